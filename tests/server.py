"""The real service as a subprocess (`python -m harmlabel serve`), for tests
that need a browser, a kill -9, or a real socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def start(state_dir: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, "HARMLABEL_PORT": str(port), "HARMLABEL_STATE_DIR": str(state_dir), **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "harmlabel", "serve"],
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((proc.stderr.read() if proc.stderr else b"").decode()) from None
            if time.monotonic() > deadline:
                proc.kill()
                raise TimeoutError("service did not become ready in 90 s") from None
            time.sleep(0.3)


@contextmanager
def running(state_dir: Path, port: int, **env: str) -> Iterator[str]:
    proc = start(state_dir, port, **env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def call(
    url: str, key: str, body: Any | None = None, method: str = "POST", **headers: str
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"content-type": "application/json", "X-API-Key": key, **headers},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw or b"null")
        except ValueError:
            return err.code, raw.decode("utf-8", "replace")
