"""Micro-batching across concurrent requests, without a dispatcher thread.

The first request to arrive while the model is idle becomes the *leader*: it
runs the model on everything queued, then on whatever queued up meanwhile,
until its own request is answered, and then hands the lead to the oldest
request still queued (or steps down when none is); later arrivals are
*followers* that wait for their slice of a batch. An idle server therefore
adds no latency (the leader runs at once), and a busy one batches exactly as
much as arrived while the last batch ran. Under load the leader may also wait up to `window_s` for more
requests (only when requests have been queueing, never when idle).

A request may carry a deadline (time.monotonic()): one still queued when
its deadline passes is not scored and fails with `DeadlineExpiredError`, so an
overloaded server spends no model time on answers nobody waits for.

A failed batch is retried request by request, so one bad input fails only
its own request. Inside a batch, `TextModel` sorts windows by length and
pads each sub-batch only to its longest member (length bucketing).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Result = TypeVar("Result")


class DeadlineExpiredError(TimeoutError):
    """The request waited past its deadline and was not scored."""


@dataclass
class _Request(Generic[Result]):
    texts: list[str]
    deadline: float | None = None
    done: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)  # done, or promoted to leader
    promoted: bool = False
    result: list[Result] | None = None
    error: BaseException | None = None

    def finish(self) -> None:
        self.done.set()
        self.wake.set()


class MicroBatcher(Generic[Result]):
    def __init__(
        self,
        run: Callable[[list[str]], list[Result]],
        max_texts: int = 64,
        window_s: float = 0.002,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> None:
        self._run = run
        self.max_texts = max_texts
        self.window_s = window_s
        self._on_batch = on_batch or (lambda texts, requests: None)
        self._lock = threading.Lock()
        self._queue: list[_Request[Result]] = []
        self._leading = False
        self._queued_while_busy = 0

    def submit(self, texts: list[str], deadline: float | None = None) -> list[Result]:
        if not texts:
            return []
        req: _Request[Result] = _Request(list(texts), deadline)
        with self._lock:
            self._queue.append(req)
            lead = not self._leading
            if lead:
                self._leading = True
            else:
                self._queued_while_busy += 1
        if lead:
            self._lead(req)
        while not req.done.is_set():
            req.wake.wait()
            with self._lock:
                promoted, req.promoted = req.promoted, False
                req.wake.clear()
            if promoted:
                self._lead(req)
        if req.error is not None:
            raise req.error
        assert req.result is not None
        return req.result

    def _take(self) -> list[_Request[Result]]:
        with self._lock:
            if not self._queue:
                self._leading = False
                return []
            batch: list[_Request[Result]] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_texts):
                size += len(self._queue[0].texts)
                batch.append(self._queue.pop(0))
            busy, self._queued_while_busy = self._queued_while_busy, 0
        if busy and size < self.max_texts and self.window_s > 0:
            time.sleep(self.window_s)  # requests have been arriving: give the next ones a moment
            with self._lock:
                while self._queue and size + len(self._queue[0].texts) <= self.max_texts:
                    size += len(self._queue[0].texts)
                    batch.append(self._queue.pop(0))
        return batch

    def _lead(self, mine: _Request[Result]) -> None:
        """Run batches until this leader's own request is answered, then hand
        the lead to the oldest queued request: a leader that served the
        queue until it emptied kept its own caller waiting for as long as
        load lasted (measured: p99 2 s at 64 concurrent requests)."""
        while batch := self._take():
            now = time.monotonic()
            live = [r for r in batch if r.deadline is None or r.deadline >= now]
            for r in batch:
                if r.deadline is not None and r.deadline < now:
                    r.error = DeadlineExpiredError(f"waited {now - r.deadline:.3f} s past its deadline")
                    r.finish()
            if live:
                self._execute(live)
            if mine.done.is_set():
                with self._lock:
                    if not self._queue:
                        self._leading = False
                        return
                    heir = self._queue[0]
                    heir.promoted = True
                heir.wake.set()
                return

    def _execute(self, batch: list[_Request[Result]]) -> None:
        texts = [t for r in batch for t in r.texts]
        self._on_batch(len(texts), len(batch))
        try:
            results = self._run(texts)
        except Exception:
            if len(batch) == 1:
                self._fail(batch[0])
                return
            for r in batch:  # isolate the culprit: each request on its own
                self._execute([r])
            return
        at = 0
        for r in batch:
            r.result = results[at : at + len(r.texts)]
            at += len(r.texts)
            r.finish()

    def _fail(self, r: _Request[Result]) -> None:
        try:
            r.result = self._run(r.texts)
        except Exception as exc:
            r.error = exc
        r.finish()
