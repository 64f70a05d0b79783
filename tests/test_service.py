"""The service answers /healthz in-process and as a real server process."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
import urllib.request

from fastapi.testclient import TestClient

from service import __version__
from service.api.app import create_app
from service.settings import Settings
from tests.conftest import REPO


def test_healthz_in_process(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "version": __version__}


def test_openapi_is_published(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        spec = client.get("/openapi.json").json()
    assert "/healthz" in spec["paths"]


def test_serve_starts_a_real_server(free_port: int) -> None:
    env = {**os.environ, "HARMLABEL_PORT": str(free_port), "HARMLABEL_LOG_FORMAT": "json"}
    proc = subprocess.Popen([sys.executable, "-m", "harmlabel", "serve"], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{free_port}/healthz", timeout=1) as r:
                    body = json.load(r)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not answer /healthz within 30 s"
                time.sleep(0.2)
        assert body["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serving_never_imports_torch_or_training() -> None:
    """The one torch check. At run time: the app, the stream worker and the
    shipped model scoring a tweet leave torch, transformers and training out
    of sys.modules (a third-party import pulling torch in is caught). And
    statically, so a lazy import inside a function no test runs is caught."""
    code = (
        "import sys, service.api.app, service.stream.worker;"
        "from service.pipeline.lanes import load_lanes; from service.settings import load_settings;"
        "model = load_lanes(load_settings())['en'].model;"
        "assert len(model.score(['drink bleach to cure covid'])) == 1;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'training', 'transformers')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""
    offenders = []
    for path in (REPO / "service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(REPO)}: {n}"
                for n in names
                if n.split(".")[0] in ("training", "torch", "transformers")
            ]
    assert offenders == []
