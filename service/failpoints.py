"""Named points where a crash test can park a process, then kill it.

A worker's guarantees are about what happens when it dies at the worst
moment: after scoring but before its commit, or after its commit but before
its acks reach the broker. Waiting for a random SIGKILL to land there makes
a flaky test; a failpoint makes it exact. `HARMLABEL_FAILPOINTS` names the
points to park at (comma-separated); a parked process says so on stderr and
sleeps until killed. Unset, a failpoint costs one set lookup.
"""

from __future__ import annotations

import os
import sys
import time

_ARMED = frozenset(p.strip() for p in os.environ.get("HARMLABEL_FAILPOINTS", "").split(",") if p.strip())


def reach(name: str) -> None:
    if name in _ARMED:
        print(f"failpoint {name} reached", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
