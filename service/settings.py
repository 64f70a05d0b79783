"""One typed configuration object for the whole service.

Every knob is a `HARMLABEL_*` environment variable with a default, so the
service runs with no configuration at all. The object is built once at start-up
and passed in; nothing imports a global instance, so tests build their own.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "HARMLABEL_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class LogFormat(StrEnum):
    console = "console"
    json = "json"


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _default_corpus_dir() -> Path | None:
    """`../shared/data` beside the checkout (or the working directory), if any."""
    for base in (Path.cwd(), PROJECT_ROOT):
        candidate = (base / ".." / "shared" / "data").resolve()
        if candidate.is_dir():
            return candidate
    return None


class RateLimit(BaseModel):
    """One role's token bucket (service/api/ratelimit.py)."""

    per_second: float = Field(ge=0, description="Sustained requests per second; 0 = unlimited.")
    burst: int = Field(ge=1, description="Requests a key may send at once after being idle.")


class Route(StrEnum):
    """Where a language goes: its own model, or straight to a reviewer."""

    model = "model"
    human_review = "human_review"


class Settings(BaseSettings):
    """Service configuration, read from `HARMLABEL_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    host: Annotated[str, Field(description="Interface the HTTP server binds to.")] = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535, description="TCP port of the HTTP server.")] = 8000
    log_level: Annotated[LogLevel, Field(description="Lowest log level written.")] = LogLevel.info
    log_format: Annotated[LogFormat, Field(description="`json` for log shippers, `console` for people.")] = (
        LogFormat.console
    )
    models_dir: Annotated[
        Path, Field(description="Folder of versioned model artifacts and the CURRENT pointer.")
    ] = PROJECT_ROOT / "models"
    state_dir: Annotated[
        Path, Field(description="Folder for the service's own files (the SQLite database).")
    ] = PROJECT_ROOT / "var"
    language_routes: Annotated[
        dict[str, Route],
        Field(
            description="Language (BCP 47, as detected or as the client sent it) -> `model` (scored by the "
            "model models/CURRENT-<lang> names; CURRENT for en) or `human_review`. A language not listed "
            "goes to human review; a regional tag (en-GB) follows its base language. JSON object."
        ),
    ] = {"en": Route.model, "hi": Route.model, "hi-Latn": Route.human_review}
    max_batch: Annotated[
        int, Field(ge=1, le=10_000, description="Most tweets one /v1/rank call may send.")
    ] = 256
    rate_limits: Annotated[
        dict[str, RateLimit],
        Field(
            description="Per API key, by role: a token bucket of `burst` requests refilled at `per_second` "
            "(0 = unlimited); excess is 429 with Retry-After. JSON object, role -> {per_second, burst}. "
            "Queue keys are unlimited by default: backpressure (503) already bounds the ingestion client."
        ),
    ] = {
        "queue": RateLimit(per_second=0, burst=1),  # the ingestion client: admission control bounds it
        "reviewer": RateLimit(per_second=20, burst=200),
        "admin": RateLimit(per_second=50, burst=200),
    }
    max_text_chars: Annotated[
        int, Field(ge=280, le=100_000, description="Longest tweet text accepted, in characters.")
    ] = 10_000
    max_body_bytes: Annotated[
        int, Field(ge=1024, description="Request bodies over this size are refused before parsing.")
    ] = 32 * 1024 * 1024
    inference_threads: Annotated[
        int | None,
        Field(ge=1, le=256, description="ONNX Runtime intra-op threads per worker; default cores ÷ workers."),
    ] = None
    inference_spinning: Annotated[
        bool,
        Field(
            description="Let idle ONNX Runtime threads busy-wait for the next batch (lower latency when "
            "the cores are otherwise free; cycles taken from HTTP work when they are not)."
        ),
    ] = True
    score_cache_size: Annotated[
        int, Field(ge=0, description="Texts whose head scores are cached (LRU, by normalised text); 0 = off.")
    ] = 100_000
    batch_window_ms: Annotated[
        float, Field(ge=0, le=50, description="Under load, how long a micro-batch waits for more requests.")
    ] = 2.0
    max_in_flight: Annotated[
        int,
        Field(
            ge=1,
            le=100_000,
            description="Backpressure: most tweets queued or being scored per worker; beyond it, 503 at once "
            "with Retry-After. The default is about 0.3 s of work at the capacity measured on 2 cores "
            "(docs/benchmarks.md): one full micro-batch.",
        ),
    ] = 64
    request_deadline_ms: Annotated[
        float,
        Field(
            gt=0,
            le=600_000,
            description="A tweet still queued this long after admission is not scored.",
        ),
    ] = 1000.0
    scoring_threads: Annotated[
        int,
        Field(
            ge=1,
            le=256,
            description="Threads per worker that run scoring requests; admitted ones beyond wait their turn.",
        ),
    ] = 4
    workers: Annotated[
        int,
        Field(
            ge=1,
            le=64,
            description="uvicorn worker processes; ONNX Runtime threads per worker default to cores/workers.",
        ),
    ] = 1
    max_microbatch: Annotated[
        int, Field(ge=1, le=1024, description="Most texts scored in one ONNX Runtime call across requests.")
    ] = 64
    policies_dir: Annotated[
        Path, Field(description="Folder of policy YAML files, validated at start-up.")
    ] = PROJECT_ROOT / "service" / "policy" / "policies"
    database_url: Annotated[
        str | None,
        Field(description="SQLAlchemy URL; default a SQLite file `harmlabel.db` in the state dir."),
    ] = None
    media_max_bytes: Annotated[
        int, Field(ge=1024, description="Largest image accepted, in bytes (after base64 decoding).")
    ] = 5 * 1024 * 1024
    media_max_pixels: Annotated[
        int, Field(ge=4096, description="Largest image accepted, in pixels, checked before decoding.")
    ] = 40_000_000
    media_max_items: Annotated[int, Field(ge=1, le=16, description="Most media items per tweet.")] = 4
    media_copy_move: Annotated[
        bool, Field(description="Run the copy-move signal (the costliest media signal).")
    ] = True
    pdq_match_distance: Annotated[
        int, Field(ge=0, le=128, description="PDQ Hamming distance at or below which a bank entry matches.")
    ] = 31
    pdq_candidate_distance: Annotated[
        int, Field(ge=0, le=128, description="Distances above the match but at or below this are candidates.")
    ] = 48
    out_of_context_days: Annotated[
        int, Field(ge=1, description="Media older than this, shared as news of now, is out of context.")
    ] = 30
    session_secret: Annotated[
        str | None,
        Field(description="Signs reviewer-console cookies; default a random key kept in the state dir."),
    ] = None
    secure_cookies: Annotated[
        bool, Field(description="Mark console cookies Secure (HTTPS only; browsers exempt localhost).")
    ] = True
    legal_exempt_account_types: Annotated[
        list[str],
        Field(
            description="Author account types whose legal-order matches go to legal review, not withholding."
        ),
    ] = ["news_media", "journalist", "activist", "politician"]
    legal_deadline_hours: Annotated[
        dict[str, float],
        Field(description='Default compliance clock per country (or "BASIS@CC"), JSON; "*" is the fallback.'),
    ] = {"IN": 36.0, "DE": 24.0, "*": 72.0}
    coordination_min_accounts: Annotated[
        int, Field(ge=2, description="Distinct accounts posting near-identical text that make a campaign.")
    ] = 10
    coordination_window_minutes: Annotated[
        int, Field(ge=1, description="The window those accounts must post within.")
    ] = 30
    model_watch_seconds: Annotated[
        float,
        Field(ge=0, description="How often models/CURRENT is checked for a new version to load; 0 = never."),
    ] = 2.0
    replica_poll_seconds: Annotated[
        float,
        Field(
            ge=0,
            description="How often this process checks whether another changed media banks, legal orders, "
            "fact-checks or API keys, and rebuilds what moved (PostgreSQL also notifies at once); "
            "0 = never (a single replica).",
        ),
    ] = 1.0
    max_staleness_seconds: Annotated[
        float,
        Field(
            gt=0,
            description="Past this long without a successful check, the replica reports not ready: a legal "
            "order it has not seen may be one it must enforce.",
        ),
    ] = 30.0
    nats_url: Annotated[
        str, Field(min_length=1, description="NATS server(s) the stream publisher and workers connect to.")
    ] = "nats://127.0.0.1:4222"
    stream_name: Annotated[
        str,
        Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="JetStream stream that holds tweets to ingest."),
    ] = "HARMLABEL_TWEETS"
    stream_subject: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9_.-]{1,200}$", description="Subject tweets are published on.")
    ] = "harmlabel.tweets"
    stream_consumer: Annotated[
        str,
        Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Durable pull consumer every worker shares."),
    ] = "harmlabel-workers"
    stream_batch: Annotated[
        int, Field(ge=1, le=1000, description="Messages a worker fetches, scores and commits together.")
    ] = 32
    stream_ack_wait_seconds: Annotated[
        float,
        Field(gt=0, description="A fetched message not acked within this long is redelivered to a worker."),
    ] = 30.0
    stream_max_deliver: Annotated[
        int,
        Field(ge=1, le=100, description="Deliveries a message gets; one failing the last is dead-lettered."),
    ] = 5
    stream_duplicate_window_seconds: Annotated[
        float,
        Field(gt=0, description="A tweet id published again within this window is dropped by the broker."),
    ] = 600.0
    retrain_after_decisions: Annotated[
        int,
        Field(
            ge=0,
            description="Start `harmlabel retrain` in the background after this many decisions since the "
            "current model; 0 = never (run it from the CLI or cron).",
        ),
    ] = 0
    retrain_check_seconds: Annotated[
        float, Field(gt=0, description="How often the decision count is checked against that threshold.")
    ] = 300.0
    corpus_dir: Annotated[
        Path | None,
        Field(description="Training corpus folder; defaults to ../shared/data when it exists."),
    ] = Field(default_factory=_default_corpus_dir)

    @property
    def model_languages(self) -> list[str]:
        """The base languages routed to a model: each needs its CURRENT pointer."""
        return sorted(
            {lang.split("-")[0] for lang, route in self.language_routes.items() if route is Route.model}
        )

    @field_validator("language_routes")
    @classmethod
    def _english_is_routed(cls, routes: dict[str, Route]) -> dict[str, Route]:
        """The English model is the service's core (batching, reload, retraining run on it)."""
        if routes.get("en") is not Route.model:
            raise ValueError('"en" must route to "model"')
        return routes

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'harmlabel.db'}"

    @property
    def ort_threads(self) -> int:
        """Intra-op threads per worker: as set, else cores ÷ workers, so that
        workers × threads = cores."""
        return self.inference_threads or max(1, (os.cpu_count() or 1) // self.workers)


class SettingsError(ValueError):
    """Configuration is invalid; the message names each offending variable."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment, turning validation errors into a
    message that names the environment variable, not the Python field."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            lines.append(f"{ENV_PREFIX}{field.upper()}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting, for docs and `--help`."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=False)
        shown = "../shared/data if present" if field.default_factory else default
        if isinstance(shown, Path):
            shown = _relative_to_root(shown)
        rows.append((f"{ENV_PREFIX}{name.upper()}", str(shown), field.description or ""))
    return rows


def _relative_to_root(path: Path) -> str:
    try:
        return "./" + str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
