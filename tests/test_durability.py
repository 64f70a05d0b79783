"""Kill -9 the service in the middle of a stream of decisions: every
decision that got a 2xx must be in the database exactly once after restart,
and retrying with the same Idempotency-Key must not decide twice."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.settings import load_settings
from service.store.db import Database
from service.store.keys import Role
from service.store.models import Decision
from tests.conftest import make_key
from tests.server import call, start

DECISION = {"accept_all": True, "reason_code": "policy_applies"}


@pytest.mark.slow
def test_acknowledged_decisions_survive_sigkill(tmp_path: Path, free_port: int, database_url: str) -> None:
    """On SQLite (WAL, synchronous=FULL) and on PostgreSQL."""
    settings = load_settings(state_dir=tmp_path, database_url=database_url)
    queue, reviewer = make_key(settings, Role.queue), make_key(settings, Role.reviewer, "ana")
    url = f"http://127.0.0.1:{free_port}"
    env = {"HARMLABEL_DATABASE_URL": database_url}
    proc = start(tmp_path, free_port, **env)
    tweets = [
        {"id": f"k{i}", "text": f"Claim {i}: the vaccine changes your DNA, doctors admit"} for i in range(60)
    ]
    status, body = call(f"{url}/v1/cases", queue, {"tweets": tweets})
    if status != 200:
        proc.kill()  # never leave a server behind a failed test
    assert status == 200, body
    case_ids = [c["case_id"] for c in body["cases"]]

    acked: dict[int, int] = {}  # case id -> decision id, for every 2xx received
    lock = threading.Lock()

    def stream(chunk: list[int]) -> None:
        for cid in chunk:
            try:
                code, out = call(
                    f"{url}/v1/cases/{cid}/decisions", reviewer, DECISION, **{"Idempotency-Key": f"d-{cid}"}
                )
            except OSError:
                return  # the server is gone: this request was never acknowledged
            if 200 <= code < 300:
                with lock:
                    acked[cid] = out["id"]

    threads = [threading.Thread(target=stream, args=(case_ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(acked) < 20 and time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)  # mid-stream, no chance to flush or shut down
    proc.wait()
    for t in threads:
        t.join(timeout=60)
    assert 20 <= len(acked) < len(case_ids), f"the kill must land mid-stream ({len(acked)} acknowledged)"

    db = Database(settings.resolved_database_url)
    with db.session() as s:
        stored = {row[0]: row[1] for row in s.execute(select(Decision.case_id, Decision.id))}
        per_case = s.execute(select(Decision.case_id, func.count()).group_by(Decision.case_id)).all()
    assert all(n == 1 for _, n in per_case), "a case was decided twice"
    assert {cid: stored.get(cid) for cid in acked} == acked, "an acknowledged decision was lost"

    proc = start(tmp_path, free_port, **env)
    try:  # the client retries everything with the same keys
        for cid in case_ids:
            code, out = call(
                f"{url}/v1/cases/{cid}/decisions", reviewer, DECISION, **{"Idempotency-Key": f"d-{cid}"}
            )
            assert code in (200, 201), out
            if cid in acked:
                assert code == 200 and out["id"] == acked[cid]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == len(case_ids)
    db.close()
