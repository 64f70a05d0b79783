"""Hot model reload, per language: a new version is loaded and proven beside
the old one, then swapped in by one reference assignment.

The old model keeps serving while the new one loads; a request that started
on the old model finishes on it (see `Assessor._score`); a model that fails
to load, fails the smoke test, or whose card does not fit the policies is
refused, and the old one keeps serving. Each language's pointer
(`models/CURRENT`, `models/CURRENT-hi`) is polled (cheap: one small file
read) and `POST /v1/admin/reload?language=` triggers the same path.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from service.inference.card import ModelFolderError, pointer_name, resolve_current
from service.pipeline.assess import Assessor
from service.pipeline.lanes import load_lane_model, serve
from service.policy.schema import PolicyError
from service.settings import Settings

log = structlog.get_logger(__name__)


class ReloadRefusedError(RuntimeError):
    """The model CURRENT names cannot serve; the message says why."""


@dataclass(frozen=True)
class ReloadResult:
    status: str  # loaded | unchanged
    model_version: str
    previous: str
    language: str = "en"


class ModelReloader:
    def __init__(
        self, settings: Settings, assessor: Assessor, on_result: Callable[[str], None] | None = None
    ) -> None:
        self.settings = settings
        self.assessor = assessor
        self._lock = threading.Lock()  # one load at a time; requests never wait on it
        self._seen = {lang: self._pointer(lang) for lang in assessor.lanes}
        self._on_result = on_result or (lambda result: None)

    def _pointer(self, language: str) -> str:
        try:
            return (self.settings.models_dir / pointer_name(language)).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def reload(self, force: bool = False, language: str = "en") -> ReloadResult:
        """Load what `language`'s pointer names and swap it in, or refuse."""
        if language not in self.assessor.lanes:
            raise ReloadRefusedError(
                f"no model route for language {language!r}; routed: {sorted(self.assessor.lanes)}"
            )
        with self._lock:
            lane = self.assessor.lanes[language].served
            previous = lane.model.version
            self._seen[language] = pointer = self._pointer(language)
            try:
                if resolve_current(self.settings.models_dir, language) == lane.model.folder and not force:
                    self._on_result("unchanged")
                    return ReloadResult("unchanged", previous, previous, language)
                model = load_lane_model(self.settings, language)
                models = {lang: other.served.model for lang, other in self.assessor.lanes.items()}
                served = serve({**models, language: model}, self.settings.policies_dir)[language]
            except (ModelFolderError, PolicyError, ValueError, OSError) as exc:
                self._on_result("refused")
                log.error(
                    "model_reload_refused",
                    language=language,
                    pointer=pointer,
                    serving=previous,
                    error=str(exc),
                )
                reason = str(exc) if pointer in str(exc) else f"{pointer}: {exc}"
                raise ReloadRefusedError(f"{reason}; still serving {previous}") from None
            self.assessor.swap(served, language)
            self._on_result("loaded")
            log.info("model_reloaded", language=language, model_version=model.version, previous=previous)
            return ReloadResult("loaded", model.version, previous, language)

    def poll(self) -> None:
        """Reload each language whose pointer changed since it was last read;
        a refused version is not retried until its pointer changes again."""
        for language in self.assessor.lanes:
            if self._pointer(language) != self._seen.get(language):
                with contextlib.suppress(ReloadRefusedError):
                    self.reload(language=language)

    def watch(self, stop: threading.Event) -> None:
        interval = self.settings.model_watch_seconds
        while not stop.wait(interval):
            try:
                self.poll()
            except Exception as exc:  # the watcher outlives any one bad version
                log.error("model_watch_failed", error=str(exc))
