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


def test_the_configuration_page_is_generated_from_the_settings() -> None:
    """docs/configuration.md is what `harmlabel config-doc` writes: a setting
    added, removed or redescribed without regenerating it fails here."""
    from service.config_doc import render

    for variable, _default, description in describe_settings():
        assert description, f"{variable} has no description"
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == render(), "docs/configuration.md is stale: run `harmlabel config-doc`"


def test_every_policy_version_the_docs_quote_exists() -> None:
    """README, docs/ and the model cards quote policies as id@version; each
    must be a policy the service loads, so no example shows a retired one."""
    import re

    import yaml

    loaded = set()
    for path in (REPO / "service" / "policy" / "policies").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        loaded.add(f"{doc['id']}@{doc['version']}")
    ids = "|".join(sorted(ref.split("@")[0] for ref in loaded))
    quoted: dict[str, set[str]] = {}
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for page in pages:
        for ref in re.findall(rf"\b(?:{ids})@[0-9][0-9.\-]*[0-9]", page.read_text(encoding="utf-8")):
            quoted.setdefault(ref, set()).add(page.name)
    assert quoted, "no policy quoted anywhere: the pattern is broken"
    unknown = {ref: sorted(where) for ref, where in quoted.items() if ref not in loaded}
    assert unknown == {}, f"quoted but not loaded: {unknown}"


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
