"""`harmlabel retrain | promote | rollback | models list`: the model lifecycle."""

from __future__ import annotations

import fcntl
import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

models_app = typer.Typer(no_args_is_help=True, help="The model registry under HARMLABEL_MODELS_DIR.")


def _context() -> tuple[Any, Any]:
    from harmlabel.context import database as _database
    from harmlabel.context import settings as _settings

    return _settings(), _database()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def retrain(
    min_new: Annotated[
        int, typer.Option(help="Do nothing (exit 0) unless this many labelled feedback cases exist.")
    ] = 20,
    since: Annotated[
        datetime | None,
        typer.Option(help="Use decisions after this time; default: the current model's creation."),
    ] = None,
    epochs: Annotated[float, typer.Option(help="Passes over feedback + replay.")] = 2,
    lr: Annotated[
        float | None, typer.Option(help="Encoder learning rate; default a fifth of the recipe's.")
    ] = None,
    head_lr: Annotated[
        float | None, typer.Option(help="Head learning rate; default a fifth of the recipe's.")
    ] = None,
    replay_ratio: Annotated[float, typer.Option(help="Base-corpus examples per feedback example.")] = 3.0,
    holdout: Annotated[float, typer.Option(help="Fraction of feedback cases held out for the gate.")] = 0.2,
    margin: Annotated[
        float, typer.Option(help="A significant drop of a head's validation macro F1 beyond this refuses.")
    ] = 0.01,
    traffic_per_slice: Annotated[
        int, typer.Option(help="Tweets per traffic slice for the gate's traffic-limit check; 0 = no check.")
    ] = 300,
    max_eval_examples: Annotated[
        int | None, typer.Option(help="Validation sample size; default the model's own.")
    ] = None,
    version: Annotated[str, typer.Option(help="Candidate version; default <config>-r<timestamp>.")] = "",
    no_promote: Annotated[bool, typer.Option(help="Judge the candidate but never promote it.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Corpus folder; overrides HARMLABEL_CORPUS_DIR.")
    ] = None,
) -> None:
    """Fine-tune the served model on reviewer feedback; promote it if it passes the gate."""
    from training.retrain import RetrainOptions

    settings, db = _context()
    options = RetrainOptions(
        epochs=epochs,
        lr=lr,
        head_lr=head_lr,
        replay_ratio=replay_ratio,
        holdout_fraction=holdout,
        margin=margin,
        min_examples=min_new,
        max_eval_examples=max_eval_examples,
        traffic_per_slice=traffic_per_slice,
    )
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with (settings.models_dir / ".retrain.lock").open("w") as lock:
        try:  # cron, the service's scheduler and a human may all start one: only one runs
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            typer.echo("harmlabel: not retraining: another retrain holds models/.retrain.lock")
            return
        _retrain_locked(settings, db, options, since, version, no_promote, data_dir)


def _retrain_locked(
    settings: Any,
    db: Any,
    options: Any,
    since: datetime | None,
    version: str,
    no_promote: bool,
    data_dir: Path | None,
) -> None:
    from harmlabel.context import corpus_dir as _corpus_dir
    from training.retrain import NotEnoughFeedbackError
    from training.retrain import retrain as run

    try:
        result = run(
            settings.models_dir,
            _corpus_dir(settings, data_dir),
            db,
            options,
            since=since,
            version=version,
            auto_promote=not no_promote,
            actor=_actor(),
        )
    except NotEnoughFeedbackError as exc:
        typer.echo(f"harmlabel: not retraining: {exc}")
        return
    except FileExistsError as exc:
        typer.echo(f"harmlabel: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.gate.table())
    verdict = "passed" if result.gate.passed else "refused: " + "; ".join(result.gate.reasons)
    typer.echo(f"candidate {result.candidate.name} (from {result.parent}): gate {verdict}")
    typer.echo(f"counts {result.counts}; seconds {result.seconds}")
    typer.echo("promoted: models/CURRENT now names it" if result.promoted else "not promoted")


def promote(
    version: str, reason: Annotated[str, typer.Option(help="Recorded in the promotion log.")] = ""
) -> None:
    """Serve VERSION: it must load and pass the smoke test; the service reloads by itself."""
    from service.inference.card import ModelFolderError
    from training.registry import promote as run

    settings, db = _context()
    try:
        previous = run(settings.models_dir, db, version, _actor(), reason or "promoted by hand")
    except (ModelFolderError, FileNotFoundError) as exc:
        typer.echo(f"harmlabel: refused: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"serving {version} (was {previous})")


def rollback(
    language: Annotated[
        str, typer.Option(help="The language route: en (CURRENT) or hi (CURRENT-hi).")
    ] = "en",
) -> None:
    """Serve again the version the language's current one replaced."""
    from service.inference.card import ModelFolderError
    from training.registry import rollback as run

    settings, db = _context()
    try:
        target = run(settings.models_dir, db, _actor(), language)
    except ModelFolderError as exc:
        typer.echo(f"harmlabel: cannot roll back: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"serving {target}")


@models_app.command("list")
def models_list() -> None:
    """Every version, its gate, its validation macro F1 per head; * marks the served one."""
    from harmlabel.context import settings as _settings
    from training.corpus.heads import HEADS
    from training.registry import versions

    settings = _settings()  # reads only the models folder: no database
    heads = list(HEADS)
    typer.echo("\t".join(["", "version", "lang", "created", "parent", "gate", *heads]))
    for v in versions(settings.models_dir):
        f1 = [f"{v.f1[h]:.3f}" if h in v.f1 else "-" for h in heads]
        row = [v.version, v.language, v.created_at[:16], v.parent or "-", v.gate, *f1]
        typer.echo("\t".join(["*" if v.current else " ", *row]))
        for check in v.checks:  # a retrained version: each gate check with its interval or p-value
            spread = f" {check['interval']}" if check.get("interval") else ""
            spread += f" p={check['p_value']}" if check.get("p_value") is not None else ""
            verdict = "pass" if check["passed"] else "REFUSE"
            typer.echo(f"\t  {verdict:<6} {check['name']}: Δ {check['delta']:+.4f}{spread}")
