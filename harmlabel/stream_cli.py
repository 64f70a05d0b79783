"""`harmlabel publish`, `harmlabel worker`, `harmlabel dead-letters …`:
stream ingestion on NATS JetStream (service/stream)."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from harmlabel.context import database
from harmlabel.context import settings as load
from service.schemas.tweet import Tweet
from service.settings import Settings

dead_app = typer.Typer(no_args_is_help=True, help="Read and replay messages the workers gave up on.")


def _tweets(lines: list[str]) -> tuple[list[Tweet], list[str]]:
    """Tweets from JSON Lines; a line that is not a tweet is reported by its
    number and not published."""
    tweets, errors = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            tweets.append(Tweet.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            errors.append(f"line {number}: {where}: {first['msg']}")
    return tweets, errors


async def _publish(settings: Settings, tweets: list[Tweet]) -> dict[str, int]:
    from service.stream.broker import connect, ensure_stream, publish

    nc = await connect(settings, name="harmlabel-publish", patient=False)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        report = await publish(js, settings, tweets)
    finally:
        await nc.drain()
    return {"published": report.published, "duplicates": report.duplicates}


def publish_cmd(
    source: Annotated[Path, typer.Argument(help="JSON Lines of tweets, one per line; - for standard input.")],
) -> None:
    """Put tweets on the ingestion stream. Each tweet's id is its message id,
    so a tweet published twice within the duplicate window is stored once."""
    settings = load()
    text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
    tweets, errors = _tweets(text.splitlines())
    for error in errors:
        typer.echo(f"harmlabel publish: skipped {error}", err=True)
    try:
        report = asyncio.run(_publish(settings, tweets)) if tweets else {"published": 0, "duplicates": 0}
    except Exception as exc:  # nothing reported as published; publishing again is harmless (message ids)
        typer.echo(f"harmlabel publish: failed against {settings.nats_url}: {exc!r}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps({**report, "invalid": len(errors)}))
    if errors:
        raise typer.Exit(1)


def worker_cmd() -> None:
    """Consume the stream: score, store as cases, ack after the commit. Run
    as many as the cores allow; they share one durable consumer."""
    from service.logging import configure_logging
    from service.pipeline.ingest import StreamIntake
    from service.pipeline.intake import coordination_config
    from service.pipeline.runtime import build_runtime
    from service.stream.worker import Worker

    settings = load()
    configure_logging(settings)
    runtime = build_runtime(settings)
    intake = StreamIntake(runtime.db, runtime.assessor, settings, coordination_config(settings))
    asyncio.run(Worker(settings, runtime, intake).run())


@dead_app.command("list")
def dead_list(
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    everything: Annotated[bool, typer.Option("--all", help="Include replayed ones.")] = False,
) -> None:
    """Dead letters as JSON Lines: sequence, message id, deliveries, error."""
    from service.store.stream import dead_letters

    for row in dead_letters(database(), limit, pending_only=not everything):
        out = {
            "id": row.id,
            "stream": row.stream,
            "seq": row.seq,
            "msg_id": row.msg_id,
            "deliveries": row.deliveries,
            "error": row.error,
            "created_at": row.created_at.isoformat(),
            "replayed_at": row.replayed_at.isoformat() if row.replayed_at else None,
            "payload": row.payload.decode("utf-8", "replace"),
        }
        typer.echo(json.dumps(out))


@dead_app.command("replay")
def dead_replay(ids: Annotated[list[int], typer.Argument(help="Dead-letter ids to publish again.")]) -> None:
    """Publish dead letters again as they were (after a fix to the workers),
    under a new message id so the duplicate window does not drop them."""
    from service.store.stream import dead_letters, mark_replayed
    from service.stream.broker import connect, ensure_stream

    settings = load()
    db = database()
    wanted = dead_letters(db, len(ids), ids=ids)

    async def send() -> None:
        nc = await connect(settings, name="harmlabel-replay", patient=False)
        try:
            js = nc.jetstream()
            await ensure_stream(js, settings)
            for row in wanted:
                msg_id = f"{row.msg_id or row.seq}:replay:{row.id}"
                await js.publish(
                    row.subject or settings.stream_subject, row.payload, headers={"Nats-Msg-Id": msg_id}
                )
        finally:
            await nc.drain()

    asyncio.run(send())
    mark_replayed(db, [row.id for row in wanted], datetime.now(UTC))
    typer.echo(json.dumps({"replayed": [row.id for row in wanted]}))


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.command("publish")(publish_cmd)
    app.command("worker")(worker_cmd)
    app.add_typer(dead_app, name="dead-letters")

    @bench_app.command("stream")
    def bench_stream(
        out: Annotated[Path, typer.Option(help="Markdown file to update.")] = Path("docs/scale-out.md"),
        tweets: Annotated[int, typer.Option(min=100, help="Tweets per run.")] = 2000,
    ) -> None:
        """Stream ingestion with 1, then 2 workers, side by side (~2 min)."""
        from bench.stream import run

        settings = load()
        if settings.corpus_dir is None:
            raise typer.BadParameter("needs the corpus (HARMLABEL_CORPUS_DIR) for its everyday tweets")
        run(out, settings.corpus_dir, tweets)
