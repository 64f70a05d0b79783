"""PostgreSQL LISTEN/NOTIFY: the fast hint beside the follower's poll.

Every change counter bump sends `NOTIFY harmlabel_changes` in its
transaction (`service.store.versions`), delivered when it commits. This
thread holds one connection of its own that LISTENs and wakes the follower
on each notification, so a change on one replica is enforced on another in
about a rebuild's time rather than a poll interval.

It is only a hint. A notification sent while the connection is down is
lost, so after every (re)connect the follower is woken once to catch up;
and the poll runs regardless. If the connection is killed
(`pg_terminate_backend`, a failover), the thread reconnects after a second.
SQLite has no notifications: the poll alone serves a single machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from service.store.db import Database
from service.store.versions import CHANNEL

log = structlog.get_logger(__name__)
RECONNECT_S = 1.0


def listen(db: Database, wake: Callable[[], None], stop: threading.Event) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    engine = db.dedicated_engine()
    try:
        while not stop.is_set():
            try:
                with engine.connect() as conn:
                    raw = conn.connection.driver_connection
                    raw.execute(f"LISTEN {CHANNEL}")  # type: ignore[union-attr]
                    wake()  # whatever changed while nobody listened
                    log.info("listening for shared changes", channel=CHANNEL)
                    while not stop.is_set():
                        for _ in raw.notifies(timeout=1.0):  # type: ignore[union-attr]
                            wake()
            except Exception as exc:  # the poll still runs; try again shortly
                log.warning("change listener lost its connection; reconnecting", error=repr(exc)[:300])
                stop.wait(RECONNECT_S)
    finally:
        engine.dispose()
