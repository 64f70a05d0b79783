"""`harmlabel claims …` and `harmlabel fact-checks …`: build the claim
matcher, and move fact-checks in and out of the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from harmlabel.context import DataDir
from harmlabel.context import corpus_dir as _corpus_dir
from harmlabel.context import database as _database
from harmlabel.context import settings as _settings

claims_app = typer.Typer(no_args_is_help=True, help="Build and measure the claim matcher.")
facts_app = typer.Typer(no_args_is_help=True, help="Import and export the fact-check bank.")


def _read(path: Path) -> list[dict[str, object]]:
    """A JSON array, one JSON object, or JSON Lines."""
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("["):
        data = json.loads(text)
        return [d for d in data if isinstance(d, dict)]
    if text.startswith("{") and "\n{" not in text:
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@facts_app.command("import")
def facts_import(
    path: Annotated[
        Path | None, typer.Argument(help="File to load; default the shared CheckThat! 2A vclaims.jsonl.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="checkthat or claimreview.")] = "checkthat",
    by: Annotated[str, typer.Option(help="Recorded as who added them.")] = "harmlabel fact-checks import",
    data_dir: DataDir = None,
) -> None:
    """Load fact-checks into the store; ones already there (same publisher
    id or URL) are skipped, so it can run again. A running service picks the
    new bank version up within `HARMLABEL_REPLICA_POLL_SECONDS` (at once on PostgreSQL)."""
    from service.claims.claimreview import from_checkthat, from_claim_review
    from service.store import fact_checks
    from training.claims.data import FOLDER

    if fmt not in ("checkthat", "claimreview"):
        raise typer.BadParameter("--format must be checkthat or claimreview")
    settings = _settings()
    path = path or _corpus_dir(settings, data_dir) / FOLDER / "vclaims.jsonl"
    parse = from_checkthat if fmt == "checkthat" else from_claim_review
    items = []
    for i, obj in enumerate(_read(path)):
        try:
            items.append(parse(obj))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            typer.echo(f"harmlabel: {path} item {i}: {exc}", err=True)
            raise typer.Exit(1) from None
    db = _database()
    rows, skipped = fact_checks.add(db, items, by)
    version = fact_checks.bank_version(db)
    typer.echo(f"added {len(rows)} fact-checks, {skipped} already banked; bank version {version}")


@facts_app.command("export")
def facts_export(
    out: Annotated[Path, typer.Option(help="ClaimReview JSON array.")] = Path("fact-checks.json"),
) -> None:
    """Every live fact-check as schema.org ClaimReview."""
    from service.claims.claimreview import to_claim_review
    from service.store import fact_checks

    rows, _ = fact_checks.listing(_database(), 0, 10_000_000)
    out.write_text(json.dumps([to_claim_review(r) for r in rows], indent=1) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(rows)} fact-checks to {out}")


@claims_app.command("build")
def claims_build(
    version: Annotated[
        str, typer.Option(help="Folder name under models/; default claims-minilm-<date>-q8.")
    ] = "",
    point: Annotated[bool, typer.Option(help="Point models/CLAIMS at the new folder.")] = True,
    refit: Annotated[
        bool, typer.Option(help="Keep the embedder models/CLAIMS names; refit only its ranker and threshold.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Export the int8 embedder (parity-checked), fit the ranker and its
    threshold on the training pairs, and write the held-out figures into the
    card (~5 min on 2 cores)."""
    from service.claims.embedder import POINTER
    from training.claims.build import build
    from training.claims.embedder import export_embedder

    settings = _settings()
    corpus = _corpus_dir(settings, data_dir)
    from service.claims.embedder import resolve_embedder

    current = resolve_embedder(settings.models_dir) if refit else None
    if refit and current is None:
        raise typer.BadParameter("--refit needs models/CLAIMS")
    folder = current or export_embedder(settings.models_dir, corpus, version)
    report = build(folder, corpus, everyday_val=3000)
    if point:
        (settings.models_dir / POINTER).write_text(folder.name + "\n")
    typer.echo(json.dumps(report, indent=2))
    typer.echo(f"wrote {folder}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
    app.add_typer(facts_app, name="fact-checks")

    @bench_app.command("claims")
    def bench_claims(
        out: Annotated[Path, typer.Option(help="Markdown tables.")] = Path("docs/claim-matching.md"),
        million: Annotated[int, typer.Option(help="Synthetic bank size for the scale row.")] = 1_000_000,
        data_dir: DataDir = None,
    ) -> None:
        """Retrieval quality per stage, false matches on everyday tweets, and
        milliseconds per tweet at 14k and at a million fact-checks (~10 min)."""
        from bench.claims import run

        settings = _settings()
        run(out, settings.models_dir, _corpus_dir(settings, data_dir), million)
