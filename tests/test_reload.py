"""Hot reload, the registry CLI and refused models, on the real shipped model
and a second version of it (a copy whose card names another version)."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.inference.card import sha256_file
from service.settings import Settings, load_settings
from service.store.keys import Role
from tests import server
from tests.conftest import REPO, cli, make_key

SHIPPED = (REPO / "models" / "CURRENT").read_text().strip()
SHIPPED_HI = (REPO / "models" / "CURRENT-hi").read_text().strip()
COPY = "shipped-copy"
COPY_HI = "hindi-copy"
HINDI_TEXT = "ये गद्दार लोग देश को बर्बाद कर रहे हैं, इन सबको जेल में डालो"
TEXT = "Drinking hot water with garlic cures coronavirus, doctors don't want you to know!"


def _write_card(folder: Path, edit: Callable[[dict[str, object]], None]) -> None:
    card = json.loads((folder / "card.json").read_text())
    edit(card)
    (folder / "card.json").write_text(json.dumps(card, indent=2))


def _version(folder: Path, version: str) -> None:
    def rename(card: dict[str, object]) -> None:
        card["version"] = version

    _write_card(folder, rename)


def _bad_labels(card: dict[str, object]) -> None:
    heads = card["heads"]
    assert isinstance(heads, list)
    heads[0]["labels"] = [*heads[0]["labels"], "extra"]


def _rename_label(card: dict[str, object]) -> None:
    """A label the policies rely on (veracity.misleading) disappears: the
    graph still runs, so only the policy check can refuse it."""
    heads = card["heads"]
    assert isinstance(heads, list)
    [veracity] = [h for h in heads if h["name"] == "veracity"]
    veracity["labels"] = [("false" if label == "misleading" else label) for label in veracity["labels"]]


def _corrupt_onnx(folder: Path) -> None:
    """Garbage in model.onnx, with the card's sha256 updated to match: only
    loading it can tell."""
    (folder / "model.onnx").write_bytes(b"not an onnx graph" * 1000)

    def resign(card: dict[str, object]) -> None:
        files = card["files"]
        assert isinstance(files, dict)
        files["model.onnx"] = sha256_file(folder / "model.onnx")

    _write_card(folder, resign)


BREAKAGES: dict[str, Callable[[Path], object]] = {
    "invalid card": lambda f: (f / "card.json").write_text("{not json"),
    "file does not match its sha256": lambda f: (f / "tokenizer.json").write_text("{}"),
    "onnx will not load": _corrupt_onnx,
    "card declares a label the graph lacks": lambda f: _write_card(f, _bad_labels),
    "policies need a label the card lacks": lambda f: _write_card(f, _rename_label),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped model, a good second version, and one broken version per
    kind of breakage."""
    root = tmp_path_factory.mktemp("models")
    shutil.copytree(REPO / "models" / SHIPPED_HI, root / SHIPPED_HI)
    shutil.copytree(REPO / "models" / SHIPPED_HI, root / COPY_HI)
    _version(root / COPY_HI, COPY_HI)
    shutil.copytree(REPO / "models" / SHIPPED, root / SHIPPED)
    shutil.copytree(REPO / "models" / SHIPPED, root / COPY)
    _version(root / COPY, COPY)
    for i, breakage in enumerate(BREAKAGES.values()):
        shutil.copytree(root / COPY, root / f"broken-{i}")
        _version(root / f"broken-{i}", f"broken-{i}")
        breakage(root / f"broken-{i}")
    return root


@pytest.fixture
def local(models: Path, tmp_path: Path) -> Path:
    """A models folder of this test's own: CURRENT and CURRENT-hi name the shipped models."""
    for child in models.iterdir():
        (tmp_path / child.name).symlink_to(child)
    (tmp_path / "CURRENT").write_text(SHIPPED + "\n")
    (tmp_path / "CURRENT-hi").write_text(SHIPPED_HI + "\n")
    return tmp_path


@pytest.fixture
def client(local: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(
        state_dir=tmp_path_factory.mktemp("state"), models_dir=local, model_watch_seconds=0
    )
    with TestClient(create_app(settings)) as c:
        c.headers["X-API-Key"] = make_key(settings, Role.admin)
        yield c


def _point(models: Path, version: str, pointer: str = "CURRENT") -> None:
    (models / ".CURRENT.tmp").write_text(version + "\n")
    (models / ".CURRENT.tmp").replace(models / pointer)


def test_admin_reload_swaps_the_model_and_empties_the_cache(client: TestClient, local: Path) -> None:
    first = client.post("/v1/assess", json={"id": "1", "text": TEXT}).json()
    again = client.post("/v1/assess", json={"id": "2", "text": TEXT}).json()
    assert first["model_version"] == SHIPPED and again["cache_hit"]

    _point(local, COPY)
    r = client.post("/v1/admin/reload")
    assert r.status_code == 200 and r.json() == {
        "status": "loaded",
        "model_version": COPY,
        "previous": SHIPPED,
        "language": "en",
    }
    after = client.post("/v1/assess", json={"id": "3", "text": TEXT}).json()
    assert after["model_version"] == COPY and not after["cache_hit"]
    assert after["scores"] == first["scores"]  # same weights, another version name
    assert client.get("/v1/model").json()["version"] == COPY
    assert client.get("/readyz").json()["model_version"] == COPY
    assert client.post("/v1/admin/reload").json()["status"] == "unchanged"
    assert 'harmlabel_model_reloads_total{result="loaded"} 1.0' in client.get("/metrics").text


@pytest.mark.parametrize("i", range(len(BREAKAGES)), ids=list(BREAKAGES))
def test_a_broken_model_is_refused_and_the_old_one_keeps_serving(
    client: TestClient, local: Path, i: int
) -> None:
    _point(local, f"broken-{i}")
    r = client.post("/v1/admin/reload")
    assert r.status_code == 409 and f"broken-{i}" in r.json()["detail"]
    assert f"still serving {SHIPPED}" in r.json()["detail"]
    assert client.get("/readyz").json()["model_version"] == SHIPPED
    ok = client.post("/v1/assess", json={"id": "x", "text": TEXT})
    assert ok.status_code == 200 and ok.json()["model_version"] == SHIPPED


def test_each_language_reloads_on_its_own(client: TestClient, local: Path) -> None:
    """CURRENT-hi moves the Hindi route only; a pointer at another language's
    model is refused and the served one keeps serving."""
    before = client.post("/v1/assess", json={"id": "h1", "text": HINDI_TEXT}).json()
    assert before["model_version"] == SHIPPED_HI and before["route"] == "model:hi"
    _point(local, COPY_HI, "CURRENT-hi")
    r = client.post("/v1/admin/reload", params={"language": "hi"})
    assert r.status_code == 200 and r.json()["model_version"] == COPY_HI and r.json()["language"] == "hi"
    after = client.post("/v1/assess", json={"id": "h2", "text": HINDI_TEXT}).json()
    assert after["model_version"] == COPY_HI and after["scores"] == before["scores"]
    english = client.post("/v1/assess", json={"id": "e", "text": TEXT}).json()
    assert english["model_version"] == SHIPPED, "the English route did not move"

    _point(local, SHIPPED, "CURRENT-hi")  # the English model on the Hindi route
    refused = client.post("/v1/admin/reload", params={"language": "hi"})
    assert refused.status_code == 409 and "serves language 'en'" in refused.json()["detail"]
    assert client.get("/v1/model").json()["languages"]["hi"]["version"] == COPY_HI
    unknown = client.post("/v1/admin/reload", params={"language": "ta"})
    assert unknown.status_code == 409 and "no model route" in unknown.json()["detail"]


def test_only_admins_reload(client: TestClient, local: Path) -> None:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    for role in (Role.queue, Role.reviewer):
        r = client.post("/v1/admin/reload", headers={"X-API-Key": make_key(settings, role)})
        assert r.status_code == 403
    assert client.post("/v1/admin/reload", headers={"X-API-Key": ""}).status_code == 401


def test_the_watcher_follows_current(local: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = load_settings(
        state_dir=tmp_path_factory.mktemp("state"), models_dir=local, model_watch_seconds=0.05
    )
    with TestClient(create_app(settings)) as c:
        _point(local, COPY)
        deadline = time.monotonic() + 30
        while c.get("/readyz").json()["model_version"] != COPY:
            assert time.monotonic() < deadline, "CURRENT changed but the service did not reload"
            time.sleep(0.05)


@pytest.mark.slow
def test_promote_and_rollback_from_the_cli(local: Path, tmp_path: Path) -> None:
    env = {"HARMLABEL_MODELS_DIR": str(local), "HARMLABEL_STATE_DIR": str(tmp_path / "state")}

    def current() -> str:
        return (local / "CURRENT").read_text().strip()

    cli("promote", COPY, "--reason", "test", env=env)
    assert current() == COPY
    listing = cli("models", "list", env=env)
    assert any(line.startswith("*") and COPY in line for line in listing.splitlines())
    with pytest.raises(AssertionError, match="refused"):
        cli("promote", "broken-2", env=env)  # the ONNX will not load
    assert current() == COPY
    assert f"serving {SHIPPED}" in cli("rollback", env=env)
    assert current() == SHIPPED
    with pytest.raises(AssertionError, match="nothing to roll back to"):
        cli("rollback", env=env)

    cli("promote", COPY_HI, "--reason", "test", env=env)  # the card says hi: CURRENT-hi moves
    assert (local / "CURRENT-hi").read_text().strip() == COPY_HI and current() == SHIPPED
    assert f"serving {SHIPPED_HI}" in cli("rollback", "--language", "hi", env=env)
    assert (local / "CURRENT-hi").read_text().strip() == SHIPPED_HI


def _until(what: str, done: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _reloads(base: str, result: str) -> float:
    """harmlabel_model_reloads_total{result=...} from the server's /metrics."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        text = r.read().decode()
    for line in text.splitlines():
        if line.startswith(f'harmlabel_model_reloads_total{{result="{result}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_zero_failed_requests_while_a_real_server_reloads(
    local: Path, tmp_path: Path, free_port: int
) -> None:
    """A real uvicorn process under concurrent load: CURRENT flips (the
    watcher reloads), an admin reload runs, a broken version is refused; not
    one request fails and every response names one version for all its parts."""
    state = tmp_path / "state"
    settings = load_settings(state_dir=state)
    key = make_key(settings, Role.admin)
    traffic = make_key(settings, Role.queue)  # the load comes from the queue's key, as in production
    env = {"HARMLABEL_MODELS_DIR": str(local), "HARMLABEL_MODEL_WATCH_SECONDS": "0.1"}
    statuses: Counter[int] = Counter()
    versions: Counter[str] = Counter()
    stop = threading.Event()

    with server.running(state, free_port, **env) as base:

        def hammer(worker: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                tweets = [
                    {"id": f"{worker}-{n}-{j}", "text": f"{TEXT} #{worker} {n % 7} {j}"} for j in range(3)
                ]
                status, body = server.call(f"{base}/v1/rank", traffic, {"tweets": tweets, "spans": False})
                statuses[status] += 1
                if status == 200:
                    inner = {a["model_version"] for a in body["assessments"]}
                    versions[body["model_version"] if inner == {body["model_version"]} else "mixed"] += 1

        workers = [threading.Thread(target=hammer, args=(w,)) for w in range(8)]
        for w in workers:
            w.start()
        try:
            _until("traffic on the shipped model", lambda: versions[SHIPPED] >= 5)
            _point(local, COPY)  # picked up by the watcher
            _until("the watcher serving the copy", lambda: versions[COPY] >= 5)
            _point(local, SHIPPED)
            reload_status, _ = server.call(f"{base}/v1/admin/reload", key)
            back = versions[SHIPPED]
            _until("traffic on the shipped model again", lambda: versions[SHIPPED] >= back + 5)
            refusals = _reloads(base, "refused")
            _point(local, "broken-2")
            _until("the watcher refusing the broken version", lambda: _reloads(base, "refused") > refusals)
            refused, detail = server.call(f"{base}/v1/admin/reload", key)
            after = versions[SHIPPED]
            _until("traffic still served after the refusals", lambda: versions[SHIPPED] >= after + 5)
        finally:
            stop.set()
            for w in workers:
                w.join()
        _, ready = server.call(f"{base}/readyz", key, method="GET")

    assert statuses and set(statuses) == {200}, statuses
    assert reload_status == 200 and refused == 409, detail
    assert versions["mixed"] == 0
    assert versions[COPY] > 0 and versions[SHIPPED] > 0, versions
    assert ready["model_version"] == SHIPPED
