"""Settings: defaults run the service, env vars override, bad values name the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.settings import LogFormat, SettingsError, describe_settings, load_settings
from tests.conftest import REPO


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HARMLABEL_"):
            monkeypatch.delenv(name)
    s = load_settings()
    assert s.port == 8000
    assert s.models_dir == REPO / "models"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARMLABEL_PORT", "9123")
    monkeypatch.setenv("HARMLABEL_LOG_FORMAT", "json")
    monkeypatch.setenv("HARMLABEL_CORPUS_DIR", str(tmp_path))
    s = load_settings()
    assert (s.port, s.log_format, s.corpus_dir) == (9123, LogFormat.json, tmp_path)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HARMLABEL_PORT", "eighty"), ("HARMLABEL_PORT", "70000"), ("HARMLABEL_LOG_LEVEL", "loud")],
)
def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_invalid_value_stops_serve_with_the_variable_named() -> None:
    env = {**os.environ, "HARMLABEL_LOG_FORMAT": "xml"}
    proc = subprocess.run(
        [sys.executable, "-m", "harmlabel", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "HARMLABEL_LOG_FORMAT" in proc.stderr


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for variable, _default, description in describe_settings():
        assert description, f"{variable} has no description"
        assert f"`{variable}`" in readme, f"README does not list {variable}"


def test_the_console_secret_file_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never readable by others, not even between a write and a chmod: with
    chmod refused (as some filesystems do), the file is still 0600."""
    import os
    import stat

    from service.review.session import session_secret

    def refused(*_args: object, **_kwargs: object) -> None:
        raise PermissionError("chmod refused")

    monkeypatch.setattr(Path, "chmod", refused)
    monkeypatch.setattr(os, "chmod", refused)
    old = os.umask(0o022)
    try:
        settings = load_settings(state_dir=tmp_path / "state")
        first = session_secret(settings)
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "state" / "session.key").stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert len(first) > 40 and session_secret(settings) == first
