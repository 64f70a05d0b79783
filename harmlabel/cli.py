"""`harmlabel` subcommands. Each builds Settings once and passes them down."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from harmlabel import context
from service.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
data_app = typer.Typer(no_args_is_help=True, help="Inspect and verify the training corpus.")
app.add_typer(data_app, name="data")
keys_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")
app.add_typer(keys_app, name="keys")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks, run by hand; results go to docs/.")
app.add_typer(bench_app, name="bench")


_settings = context.settings
_corpus_dir = context.corpus_dir
_database = context.database
DataDir = context.DataDir


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides HARMLABEL_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides HARMLABEL_PORT.")] = None,
) -> None:
    """Run the HTTP service on the embedded defaults (SQLite, models/CURRENT)."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from service.api.app import create_app
    from service.inference.card import ModelFolderError
    from service.logging import configure_logging
    from service.media.registry import RegistryError
    from service.media.reliability import ReliabilityError
    from service.policy.schema import PolicyError

    settings = _settings(host=host, port=port)
    configure_logging(settings)
    failures = (ModelFolderError, PolicyError, RegistryError, ReliabilityError, SQLAlchemyError)
    if settings.workers > 1:
        # Each worker builds the app from the environment (service.api.asgi);
        # the checks that can fail run here first, and the schema is migrated
        # once, not by every worker at the same moment.
        try:
            check_startup(settings)
        except failures as exc:
            typer.echo(f"harmlabel: refusing to start: {exc}", err=True)
            raise typer.Exit(2) from None
        os.environ.update({"HARMLABEL_HOST": settings.host, "HARMLABEL_PORT": str(settings.port)})
        uvicorn.run(
            "service.api.asgi:app_from_env",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.value,
        )
        return
    try:
        app = create_app(settings)
    except failures as exc:
        typer.echo(f"harmlabel: refusing to start: {exc}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.value)


def check_startup(settings: Settings) -> None:
    """What `create_app` validates, without loading the model into this
    (supervisor) process: the card and files, the policies, the schema."""
    from service.inference.card import load_card, resolve_current
    from service.policy.schema import load_policies
    from service.policy.signals import known_signals, thresholds
    from service.store.db import Database, migrate

    card = load_card(resolve_current(settings.models_dir))
    load_policies(settings.policies_dir, known_signals(card), thresholds(card))
    db = Database(settings.resolved_database_url)
    migrate(db.engine)
    db.close()


@app.command("config-doc")
def config_doc(
    out: Annotated[Path, typer.Option(help="Where to write it.")] = Path("docs/configuration.md"),
) -> None:
    """Write the configuration reference from the Settings descriptions."""
    from service.config_doc import render

    out.write_text(render(), encoding="utf-8")
    typer.echo(f"wrote {out}")


@app.command()
def migrate() -> None:
    """Bring the configured database to the latest schema (serve does this too, under a lock)."""
    from service.store.db import schema_version

    db = _database()
    try:
        typer.echo(f"database at migration {schema_version(db)}")
    finally:
        db.close()


@data_app.command("verify")
def data_verify(data_dir: DataDir = None) -> None:
    """Check every manifest file exists and matches its sha256."""
    from training.corpus import ManifestError, load_manifest, verify

    path = _corpus_dir(_settings(), data_dir)
    manifest = load_manifest()
    try:
        verify(manifest, path)
    except ManifestError as exc:
        typer.echo(f"harmlabel: {exc}", err=True)
        raise typer.Exit(1) from None
    files = sum(len(s.files) for s in manifest.sources)
    typer.echo(f"ok: {files} files of {len(manifest.sources)} sources match the manifest in {path}")


@data_app.command("stats")
def data_stats(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Examples per head × label × source, clean-up counts and split sizes."""
    from training.corpus import ManifestError, build_corpus
    from training.corpus.stats import as_dict, render

    path = _corpus_dir(_settings(), data_dir)
    try:
        corpus = build_corpus(path)
    except ManifestError as exc:
        typer.echo(f"harmlabel: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        json.dump(as_dict(corpus), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render(corpus, Console(width=320))


@app.command("train")
def train_cmd(
    config: Annotated[str, typer.Option(help="Config name in training/configs/ or a TOML path.")] = "tiny",
    out: Annotated[Path | None, typer.Option(help="Run folder; default runs/<config name>.")] = None,
    data_dir: DataDir = None,
    fresh: Annotated[bool, typer.Option(help="Ignore an existing checkpoint.")] = False,
) -> None:
    """Fine-tune the multi-head classifier (rerun to resume from the
    checkpoint); `--config hindi` trains the Hindi n-gram model instead, and
    `--config hinglish-detector` the language router's romanised-Hindi detector."""
    from training.config import load_config
    from training.hindi.train import CONFIGS as HINDI
    from training.hindi.train import train as train_hindi
    from training.train import train

    path = _corpus_dir(_settings(), data_dir)
    if config == "hinglish-detector":  # the router's romanised-Hindi detector, shipped in the package
        from service.text.romanised import MODEL_DIR as HINGLISH_MODEL
        from training.hindi.detector import train_detector

        typer.echo(f"detector: {train_detector(path, out or HINGLISH_MODEL)}")
        return
    if config in HINDI:
        typer.echo(f"run: {train_hindi(HINDI[config], path, out or Path('runs') / config)}")
        return
    cfg = load_config(config)
    weights = train(cfg, path, out or Path("runs") / cfg.name, resume=not fresh)
    typer.echo(f"weights: {weights}")


@app.command("export")
def export_cmd(
    config: Annotated[str, typer.Option(help="The config the run was trained with.")] = "tiny",
    run: Annotated[Path | None, typer.Option(help="Run folder; default runs/<config name>.")] = None,
    version: Annotated[str, typer.Option(help="Model version; default <config>-<date>.")] = "",
    set_current: Annotated[bool, typer.Option(help="Point models/CURRENT at the export.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Calibrate, export int8 ONNX, check parity, write models/<version>/
    (`--config hindi`: the Hindi n-gram model; --set-current moves CURRENT-hi)."""
    from training.config import load_config
    from training.export import ParityError, export
    from training.hindi import export as hindi_export
    from training.hindi.train import CONFIGS as HINDI
    from training.registry import set_current as point_current

    settings = _settings()
    if config in HINDI:
        try:
            folder = hindi_export.export(
                run or Path("runs") / config, _corpus_dir(settings, data_dir), settings.models_dir, version
            )
        except (hindi_export.ParityError, FileExistsError) as exc:
            typer.echo(f"harmlabel: {exc}", err=True)
            raise typer.Exit(1) from None
        if set_current:
            point_current(settings.models_dir, folder.name)
        typer.echo(f"exported {folder}; now run: harmlabel evaluate --model {folder}")
        return
    cfg = load_config(config)
    try:
        folder = export(cfg, run or Path("runs") / cfg.name, _corpus_dir(settings, data_dir),
                        settings.models_dir, version)  # fmt: skip
    except ParityError as exc:
        typer.echo(f"harmlabel: export failed parity: {exc}", err=True)
        raise typer.Exit(1) from None
    if set_current:
        point_current(settings.models_dir, folder.name)
    typer.echo(f"exported {folder}")


@app.command("requantize")
def requantize_cmd(
    source: Annotated[str, typer.Argument(help="Version in the models folder to re-quantize.")],
    version: Annotated[str, typer.Option(help="Version of the new artifact.")],
    set_current: Annotated[bool, typer.Option(help="Point models/CURRENT at it.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Re-quantize a shipped model under the decision-level gate, without its
    torch weights; then run `harmlabel evaluate --model` on it."""
    from training.recipe_search import ParityError
    from training.registry import set_current as point_current
    from training.requantize import requantize
    from training.traffic_eval import validation

    settings = _settings()
    examples = validation(_corpus_dir(settings, data_dir))
    try:
        folder = requantize(settings.models_dir / source, settings.models_dir, version, examples)
    except (ParityError, FileExistsError) as exc:
        typer.echo(f"harmlabel: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {folder}")
    if set_current:
        point_current(settings.models_dir, version)


@app.command("evaluate")
def evaluate_cmd(
    model: Annotated[
        Path | None, typer.Option(help="Model folder; default the one models/CURRENT names.")
    ] = None,
    split: Annotated[list[str] | None, typer.Option(help="Splits to score (repeatable).")] = None,
    max_examples: Annotated[int | None, typer.Option(help="Score at most N examples per split.")] = None,
    traffic_doc: Annotated[
        Path | None, typer.Option(help="Also write the traffic report as Markdown here (docs/traffic.md).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Score the int8 ONNX model on the corpus and run the validation traffic
    through the service's decision path; write metrics, plots and card.md."""
    from service.inference.card import load_card, resolve_current
    from training import card_md
    from training.evaluate import evaluate, write_report
    from training.traffic_eval import traffic_report, validation

    settings = _settings()
    folder = model or resolve_current(settings.models_dir)
    corpus_dir = _corpus_dir(settings, data_dir)
    if load_card(folder, verify_files=False).kind == "ngram":
        _evaluate_hindi(folder, corpus_dir, settings)
        return
    report = evaluate(folder, corpus_dir, tuple(split or ("validation", "test")), max_examples)
    report["traffic"] = traffic_report(folder, validation(corpus_dir), settings.policies_dir, max_examples)
    write_report(folder, report)
    card_md.write(folder)
    if traffic_doc is not None:
        traffic_doc.write_text(card_md.traffic_doc(report["traffic"]), encoding="utf-8")
    for name, t in report["traffic"]["targets"].items():
        typer.echo(f"traffic    {name:<36} {t['measure']:<19} {t['value']:.3f} target {t['target']}")
    for name, data in report["splits"].items():
        for target, t in data["targets"].items():
            stripped = data["targets_urls_stripped"].get(target, {}).get("value")
            typer.echo(
                f"{name:<10} {target:<30} {t['value']:.4f} (URLs stripped {stripped}) target {t['target']}"
            )
        for head, m in data["heads"].items():
            typer.echo(
                f"{name:<10} {head:<30} macro-F1 {m['f1_macro']:.4f} "
                f"ECE {m['ece_before']:.3f} -> {m['ece_after']:.3f}"
            )
    typer.echo(f"wrote {folder}/metrics.json, card.json, card.md, reliability.png, pr_curves.png")


def _evaluate_hindi(folder: Path, corpus_dir: Path, settings: Settings) -> None:
    from training.hindi.evaluate import evaluate as evaluate_hindi

    report = evaluate_hindi(folder, corpus_dir, settings.models_dir, settings.policies_dir)
    for name, t in report["targets"].items():
        typer.echo(
            f"validation {name:<22} {t['value']:.4f} target {t['target']}  published: {t['published']}"
        )
    c = report["decisions"]["confident_no_action"]
    typer.echo(
        f"confident no_action: {c['share']:.1%} of posts, {c['hostile_among_them']:.1%} of them hostile"
    )
    typer.echo(f"routes: {report['decisions']['routes']}; cost {report['cost_ms_per_tweet']} ms/tweet")
    typer.echo(f"wrote {folder}/card.json, card.md")


def main() -> None:
    app()


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="queue, reviewer or admin.")],
    name: Annotated[str, typer.Option(help="Who or what holds the key.")] = "unnamed",
) -> None:
    """Print a new key once; only its SHA-256 digest is stored."""
    from service.store.keys import Role, create_key

    try:
        parsed = Role(role)
    except ValueError:
        typer.echo(f"harmlabel: --role must be one of {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2) from None
    raw, who = create_key(_database(), parsed, name)
    typer.echo(raw)
    typer.echo(f"key {who.key_id} ({who.role.value}, {who.name}) created; it is not shown again", err=True)


@keys_app.command("list")
def keys_list() -> None:
    from service.store.keys import list_keys

    for k in list_keys(_database()):
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        typer.echo(f"{k.id}\t{k.role}\t{k.name}\t{k.prefix}…\t{state}")


@keys_app.command("revoke")
def keys_revoke(key_id: int) -> None:
    from service.store.keys import revoke_key

    if not revoke_key(_database(), key_id):
        typer.echo(f"harmlabel: no active key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"key {key_id} revoked")


@bench_app.command("throughput")
def bench_throughput(
    out: Annotated[Path, typer.Option(help="Markdown tables.")] = Path("docs/benchmarks.md"),
    seconds: Annotated[float, typer.Option(help="Seconds per measured workload.")] = 12.0,
    data_dir: DataDir = None,
) -> None:
    """harmlabel against the naive torch pipeline on the same weights, in one run (< 10 min)."""
    from bench.throughput import run

    settings = _settings()
    run(out, settings.models_dir, _corpus_dir(settings, data_dir), seconds)


@bench_app.command("retrain")
def bench_retrain(
    out: Annotated[Path, typer.Option(help="Markdown report.")] = Path("docs/retraining.md"),
    cases: Annotated[int, typer.Option(help="Validation tweets decided by the simulated reviewer.")] = 600,
    data_dir: DataDir = None,
) -> None:
    """One real retraining round of the served model with simulated reviewers (~15 min on 2 cores)."""
    from bench.retrain import run

    settings = _settings()
    run(out, settings.models_dir, _corpus_dir(settings, data_dir), cases)


@bench_app.command("media")
def bench_media(
    out: Annotated[Path, typer.Option(help="Markdown tables.")] = Path("docs/media-benchmark.md"),
    reliability: Annotated[Path, typer.Option(help="Calibration the service reads.")] = Path(
        "service/media/reliability.json"
    ),
    seed: int = 0,
) -> None:
    """Forensic ROC-AUC and PDQ recall on forgeries built from packaged photos (< 5 min)."""
    from bench.media import run

    run(out, reliability, seed)


@app.command()
def report(
    start: Annotated[datetime, typer.Option("--from", help="Start of the period (inclusive), ISO 8601.")],
    end: Annotated[datetime, typer.Option("--to", help="End of the period (exclusive), ISO 8601.")],
    out: Annotated[Path, typer.Option(help="HTML file; charts go to <name>_files/ beside it.")] = Path(
        "report.html"
    ),
) -> None:
    """Render the transparency report for a period from the service's database."""
    from harmlabel.report import render
    from service.legal.transparency import transparency
    from service.store.legal import all_orders
    from service.store.reports import load_facts

    start, end = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (start, end))
    db = _database()
    data = transparency(load_facts(db, start, end), all_orders(db), start, end)
    pngs = render(data, out)
    typer.echo(
        f"wrote {out} and {len(pngs)} charts: {data['cases']} cases, "
        f"{data['legal_orders']['received']} legal orders"
    )


# The model lifecycle lives in its own module, which reuses the helpers above.
from harmlabel import registry_cli  # noqa: E402

app.command("retrain")(registry_cli.retrain)
app.command("promote")(registry_cli.promote)
app.command("rollback")(registry_cli.rollback)
app.add_typer(registry_cli.models_app, name="models")

from harmlabel import claims_cli  # noqa: E402

claims_cli.register(app, bench_app)

from harmlabel import stream_cli  # noqa: E402

stream_cli.register(app, bench_app)
