"""What every `harmlabel` command needs first: Settings from the environment."""

from __future__ import annotations

import typer

from service.settings import Settings, SettingsError, load_settings


def settings(**overrides: object) -> Settings:
    """Settings from the environment; an invalid variable stops the command
    with a message that names it."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        typer.echo(f"harmlabel: {exc}", err=True)
        raise typer.Exit(2) from None
