"""Retraining on a threshold of new decisions, out of process.

The service never trains: when enough decisions have accumulated since the
served model was created, it starts `harmlabel retrain` as a child process
(one at a time, output to `retrain.log` in the state dir). If the candidate
passes the gate, the child moves `models/CURRENT` and the reloader picks it
up. After a run, the next one waits for `threshold` decisions more, so a
refused candidate does not start a retraining loop.

Every replica may run the scheduler; only the one holding the deployment's
`retrain-scheduler` role (a PostgreSQL advisory lock, `service.store.leader`)
acts, so N replicas start one run, and another takes over if it dies. The
models folder must be shared by the replicas for the promoted model to reach
all of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime

import structlog

from service.pipeline.assess import Assessor
from service.settings import Settings
from service.store.cases import count_decisions_since
from service.store.db import Database
from service.store.leader import Leadership

log = structlog.get_logger(__name__)


class RetrainScheduler:
    def __init__(self, settings: Settings, db: Database, assessor: Assessor) -> None:
        self.settings = settings
        self.db = db
        self.assessor = assessor
        self.child: subprocess.Popen[bytes] | None = None
        self._started_at_count = 0
        self.leader = Leadership(db, "retrain-scheduler")

    def pending(self) -> int:
        """Decisions since the served model was created."""
        return count_decisions_since(self.db, datetime.fromisoformat(self.assessor.model.card.created_at))

    def check(self) -> bool:
        """Start a retraining run if one is due; True if it started one."""
        threshold = self.settings.retrain_after_decisions
        if threshold <= 0 or (self.child is not None and self.child.poll() is None):
            return False
        if not self.leader.held():  # another replica schedules retraining for the deployment
            return False
        n = self.pending()
        if n < self._started_at_count:  # a new model was promoted: count afresh
            self._started_at_count = 0
        if n - self._started_at_count < threshold:
            return False
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "HARMLABEL_MODELS_DIR": str(self.settings.models_dir),
            "HARMLABEL_STATE_DIR": str(self.settings.state_dir),
            "HARMLABEL_DATABASE_URL": self.settings.resolved_database_url,
        }
        if self.settings.corpus_dir is not None:
            env["HARMLABEL_CORPUS_DIR"] = str(self.settings.corpus_dir)
        with (self.settings.state_dir / "retrain.log").open("ab") as out:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "harmlabel", "retrain"], stdout=out, stderr=subprocess.STDOUT, env=env
            )
        self._started_at_count = n
        log.info("retrain_started", pid=self.child.pid, decisions=n)
        return True

    def watch(self, stop: threading.Event) -> None:
        while not stop.wait(self.settings.retrain_check_seconds):
            try:
                self.check()
            except Exception as exc:  # a store hiccup must not kill the thread
                log.error("retrain_check_failed", error=str(exc))
