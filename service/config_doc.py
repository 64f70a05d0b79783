"""`docs/configuration.md`, generated from the Settings object itself, so
the page cannot drift from the code (a test compares them)."""

from __future__ import annotations

from service.settings import describe_settings

HEADER = """# Configuration

One typed settings object (`service/settings.py`), read from `HARMLABEL_*`
environment variables and passed in; nothing imports a global instance.
Every variable has a default, so the service runs with no configuration;
an invalid value stops start-up with a message naming the variable.
Structured values (routes, rate limits, deadline clocks) are JSON.

This page is generated: `harmlabel config-doc` rewrites it from the
descriptions in the code.

| variable | default | meaning |
|---|---|---|
"""


def render() -> str:
    rows = [
        f"| `{variable}` | `{default}` | {_cell(description)} |"
        for variable, default, description in describe_settings()
    ]
    return HEADER + "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    """A table cell: a literal | would split it."""
    return text.replace("|", "\\|")
