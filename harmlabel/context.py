"""What `harmlabel` commands share: Settings from the environment, the
corpus folder, the migrated database. Every command module imports these
from here, and none imports another command module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.settings import Settings, SettingsError, load_settings
from service.store.db import Database, migrate


def settings(**overrides: object) -> Settings:
    """Settings from the environment; an invalid variable stops the command
    with a message that names it."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        typer.echo(f"harmlabel: {exc}", err=True)
        raise typer.Exit(2) from None


DataDir = Annotated[Path | None, typer.Option(help="Corpus folder; overrides HARMLABEL_CORPUS_DIR.")]


def corpus_dir(settings: Settings, override: Path | None) -> Path:
    path = override or settings.corpus_dir
    if path is None:
        typer.echo(
            "harmlabel: no corpus folder: set HARMLABEL_CORPUS_DIR or pass --data-dir "
            "(the default ../shared/data does not exist here)",
            err=True,
        )
        raise typer.Exit(2)
    return path


def database() -> Database:
    """The configured database, migrated to head."""
    db = Database(settings().resolved_database_url)
    migrate(db.engine)
    return db
