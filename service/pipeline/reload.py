"""Hot model reload: a new version is loaded and proven beside the old one,
then swapped in by one reference assignment.

The old model keeps serving while the new one loads; a request that started
on the old model finishes on it (see `Assessor._score`); a model that fails
to load, fails the smoke test, or whose card does not fit the policies is
refused, and the old one keeps serving. `models/CURRENT` is polled (cheap:
one small file read) and `POST /v1/admin/reload` triggers the same path.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from service.inference.card import ModelFolderError, resolve_current
from service.inference.probe import load_checked
from service.pipeline.assess import Assessor, Served
from service.policy.schema import PolicyError, load_policies
from service.policy.signals import known_signals, thresholds
from service.settings import Settings

log = structlog.get_logger(__name__)


class ReloadRefusedError(RuntimeError):
    """The model CURRENT names cannot serve; the message says why."""


@dataclass(frozen=True)
class ReloadResult:
    status: str  # loaded | unchanged
    model_version: str
    previous: str


class ModelReloader:
    def __init__(
        self, settings: Settings, assessor: Assessor, on_result: Callable[[str], None] | None = None
    ) -> None:
        self.settings = settings
        self.assessor = assessor
        self._lock = threading.Lock()  # one load at a time; requests never wait on it
        self._seen = self._pointer()
        self._on_result = on_result or (lambda result: None)

    def _pointer(self) -> str:
        try:
            return (self.settings.models_dir / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def reload(self, force: bool = False) -> ReloadResult:
        with self._lock:
            previous = self.assessor.model.version
            self._seen = self._pointer()
            try:
                folder = resolve_current(self.settings.models_dir)
                if folder == self.assessor.model.folder and not force:
                    self._on_result("unchanged")
                    return ReloadResult("unchanged", previous, previous)
                model = load_checked(folder, self.settings.ort_threads, self.settings.inference_spinning)
                policies = load_policies(
                    self.settings.policies_dir, known_signals(model.card), thresholds(model.card)
                )
            except (ModelFolderError, PolicyError, ValueError, OSError) as exc:
                self._on_result("refused")
                log.error("model_reload_refused", pointer=self._seen, serving=previous, error=str(exc))
                reason = str(exc) if self._seen in str(exc) else f"{self._seen}: {exc}"
                raise ReloadRefusedError(f"{reason}; still serving {previous}") from None
            self.assessor.swap(Served(model, policies))
            self._on_result("loaded")
            log.info("model_reloaded", model_version=model.version, previous=previous)
            return ReloadResult("loaded", model.version, previous)

    def poll(self) -> None:
        """Reload if CURRENT changed since it was last read; a refused
        version is not retried until CURRENT changes again."""
        if self._pointer() != self._seen:
            with contextlib.suppress(ReloadRefusedError):
                self.reload()

    def watch(self, stop: threading.Event) -> None:
        interval = self.settings.model_watch_seconds
        while not stop.wait(interval):
            try:
                self.poll()
            except Exception as exc:  # the watcher outlives any one bad version
                log.error("model_watch_failed", error=str(exc))
