"""Media through the HTTP API: banks, matching, out-of-context dates, bad input.

Real app, real shipped model, real SQLite file, images made from real photos.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import load_settings
from service.store.keys import Role, create_key
from tests.media_fixtures import camera_exif, encode, photo, platform_copy

POSTED = "2026-11-20T09:00:00Z"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(
        state_dir=tmp_path_factory.mktemp("state"), media_max_bytes=2_000_000, media_max_pixels=20_000_000
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = create_key(c.app.state.db, Role.queue, "queue-tests")[0]  # type: ignore[attr-defined]
        yield c


@pytest.fixture(scope="module")
def keys(client: TestClient) -> dict[str, str]:
    db = client.app.state.db  # type: ignore[attr-defined]
    return {role.value: create_key(db, role, f"test-{role.value}")[0] for role in Role}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _tweet(text: str, *images: bytes, **extra: Any) -> dict[str, Any]:
    media = [{"type": "photo", "data": _b64(b), "media_key": f"3_{i}"} for i, b in enumerate(images)]
    return {"id": "1", "text": text, "created_at": POSTED, "media": media, **extra}


def _manipulated(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in body["recommendations"] if r["policy"].startswith("manipulated_media")]


def test_a_banked_fake_is_matched_from_a_cropped_recompressed_copy(
    client: TestClient, keys: dict[str, str]
) -> None:
    admin, reviewer = {"X-API-Key": keys["admin"]}, {"X-API-Key": keys["reviewer"]}
    r = client.post("/v1/media-banks", json={"name": "viral-fakes"}, headers=admin)
    assert r.status_code == 201, r.text
    original = encode(photo("astronaut"), quality=92)
    note = "Composite: this astronaut photo was edited into fake launch footage"
    entry = {"image": {"data": _b64(original)}, "note": note, "url": "https://factcheck.example/123"}
    r = client.post("/v1/media-banks/viral-fakes/entries", json=entry, headers=reviewer)
    assert r.status_code == 201, r.text

    copy = platform_copy(photo("astronaut"), crop=0.07, width=560, quality=70)
    r = client.post("/v1/assess", json=_tweet("Footage from the launch pad this week.", copy))
    assert r.status_code == 200, r.text
    body = r.json()
    [image] = body["media"]
    assert image["altered"] and any(note in f for f in image["findings"])
    labels = [rec for rec in _manipulated(body) if rec["label_text"] == "Manipulated media"]
    assert labels, _manipulated(body)
    assert any(note in reason for reason in labels[0]["reasons"])
    pdq = next(s for s in image["signals"] if s["signal"] == "pdq_match")
    assert pdq["evidence"]["matches"][0]["url"] == "https://factcheck.example/123"


def test_an_old_photo_shared_as_news_of_now_is_out_of_context(client: TestClient) -> None:
    old = encode(photo("chelsea"), exif=camera_exif(datetime(2015, 6, 14, 17, 5, tzinfo=UTC)))
    r = client.post("/v1/assess", json=_tweet("Happening right now in Delhi, streets are flooded", old))
    assert r.status_code == 200, r.text
    [image] = r.json()["media"]
    ooc = next(s for s in image["signals"] if s["signal"] == "out_of_context")
    assert ooc["score"] == 1.0 and ooc["evidence"]["capture_date"] == "2015-06-14"
    assert any("2015-06-14" in f and "right now" in f for f in image["findings"])
    assert r.json()["media_verdict"]["altered"] is True


def test_a_clean_photo_yields_no_finding(client: TestClient) -> None:
    clean = encode(photo("coffee"), quality=88)
    r = client.post("/v1/assess", json=_tweet("My morning coffee, nothing fancy.", clean))
    assert r.status_code == 200, r.text
    body = r.json()
    [image] = body["media"]
    assert image["status"] == "analysed" and not image["altered"] and image["findings"] == []
    assert not any(rec["label_text"] for rec in _manipulated(body))
    names = [s["signal"] for s in image["signals"]]
    assert names[:3] == ["pdq_match", "provenance", "out_of_context"]
    ooc = next(s for s in image["signals"] if s["signal"] == "out_of_context")
    assert ooc["abstained"], "no capture date: the signal must abstain, not score 0"


def test_the_multipart_variant_gives_the_same_findings(client: TestClient) -> None:
    old = encode(photo("chelsea"), exif=camera_exif(datetime(2015, 6, 14, 17, 5, tzinfo=UTC)))
    tweet = {"id": "2", "text": "Happening right now in Delhi, streets are flooded", "created_at": POSTED}
    r = client.post(
        "/v1/assess/multipart",
        data={"tweet": json.dumps(tweet)},
        files=[("media", ("old.jpg", old, "image/jpeg")), ("media", ("clip.mp4", b"\0" * 64, "video/mp4"))],
    )
    assert r.status_code == 200, r.text
    photo_report, video_report = r.json()["media"]
    assert photo_report["altered"] and photo_report["media_key"] == "old.jpg"
    assert video_report["status"] == "not_analysed" and "video" in video_report["status_reason"]


def test_a_negative_bank_suppresses_a_lookalike_match(client: TestClient, keys: dict[str, str]) -> None:
    admin = {"X-API-Key": keys["admin"]}
    original = encode(photo("rocket"), quality=92)
    for name, negative in (("rocket-fakes", False), ("rocket-authentic", True)):
        assert client.post(
            "/v1/media-banks", json={"name": name, "negative": negative}, headers=admin
        ).is_success
        r = client.post(
            f"/v1/media-banks/{name}/entries", json={"image": {"data": _b64(original)}}, headers=admin
        )
        assert r.status_code == 201
    r = client.post("/v1/assess", json=_tweet("Launch today", platform_copy(photo("rocket"))))
    [image] = r.json()["media"]
    pdq = next(s for s in image["signals"] if s["signal"] == "pdq_match")
    assert pdq["score"] == 0.0 and pdq["evidence"]["authentic_matches"]
    assert not image["altered"]


def test_deleting_an_entry_stops_the_match_and_export_reflects_it(
    client: TestClient, keys: dict[str, str]
) -> None:
    admin = {"X-API-Key": keys["admin"]}
    assert client.post("/v1/media-banks", json={"name": "temp"}, headers=admin).status_code == 201
    horse = encode(photo("coins"), quality=92)
    entry = client.post("/v1/media-banks/temp/entries", json={"image": {"data": _b64(horse)}}, headers=admin)
    assert entry.status_code == 201
    exported = client.get("/v1/media-banks/temp/export", headers=admin)
    assert exported.headers["content-type"].startswith("text/csv") and entry.json()["pdq"] in exported.text

    r = client.post("/v1/media-banks", json={"name": "temp2"}, headers=admin)
    imported = client.post(
        "/v1/media-banks/temp2/import", content=exported.text, headers={**admin, "Content-Type": "text/csv"}
    )
    assert imported.status_code == 201 and imported.json()["imported"] == 1

    for bank, entry_id in (("temp", entry.json()["id"]),):
        assert client.delete(f"/v1/media-banks/{bank}/entries/{entry_id}", headers=admin).status_code == 204
    r = client.post("/v1/assess", json=_tweet("coins", horse))
    banks_hit = [
        m["bank"]
        for s in r.json()["media"][0]["signals"]
        if s["signal"] == "pdq_match"
        for m in s["evidence"]["matches"]
    ]
    assert "temp" not in banks_hit and "temp2" in banks_hit


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/v1/media-banks", {"admin"}),
        ("get", "/v1/media-banks", {"admin", "reviewer"}),
        ("post", "/v1/media-banks/viral-fakes/entries", {"admin", "reviewer"}),
        ("delete", "/v1/media-banks/viral-fakes/entries/999999", {"admin", "reviewer"}),
        ("get", "/v1/media-banks/viral-fakes/export", {"admin", "reviewer"}),
        ("post", "/v1/media-banks/viral-fakes/import", {"admin"}),
    ],
)
def test_bank_endpoints_need_the_right_role(
    client: TestClient, keys: dict[str, str], method: str, path: str, allowed: set[str]
) -> None:
    assert client.request(method, path, headers={"X-API-Key": ""}).status_code == 401
    assert client.request(method, path, headers={"X-API-Key": "hl_not-a-key"}).status_code == 401
    for role, key in keys.items():
        status = client.request(method, path, headers={"X-API-Key": key}).status_code
        assert (status == 403) == (role not in allowed), (role, status)


@pytest.mark.parametrize(
    ("media", "fragment"),
    [
        ([{"type": "photo", "data": "!!!not base64"}], "base64"),
        ([{"type": "photo", "data": _b64(b"GIF89a" + b"\0" * 40)}], "cannot decode"),
        ([{"type": "photo", "data": _b64(encode(photo("astronaut"), "BMP"))}], "format BMP"),
        ([{"type": "hologram", "data": None}], "photo"),
        ([{"type": "photo", "data": _b64(b"\xff\xd8\xff\xe0" + b"\1" * 3_000_000)}], "limit is 2000000"),
    ],
)
def test_bad_media_is_a_4xx_naming_the_item(client: TestClient, media: list[Any], fragment: str) -> None:
    ok = {"type": "photo", "data": _b64(encode(photo("coffee")))}
    r = client.post("/v1/assess", json={"id": "9", "text": "look", "media": [ok, *media]})
    assert 400 <= r.status_code < 500, r.text
    detail = r.json()["detail"]
    assert any(d["loc"][:3] == ["body", "media", 1] and fragment in d["msg"] for d in detail), detail


def test_too_many_media_items_are_refused(client: TestClient) -> None:
    item = {"type": "video"}
    r = client.post("/v1/assess", json={"id": "9", "text": "look", "media": [item] * 5})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "media"]


def test_a_bad_image_in_a_batch_names_its_tweet(client: TestClient) -> None:
    good = _tweet("fine", encode(photo("coffee")))
    bad = {"id": "b", "text": "broken", "media": [{"type": "photo", "data": _b64(b"\x89PNG\r\n\x1a\n")}]}
    r = client.post("/v1/rank", json={"tweets": [good, bad]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:5] == ["body", "tweets", 1, "media", 0]


def test_no_fuzz_input_produces_a_5xx(client: TestClient) -> None:
    from tests.test_media_decode import _fuzz_corpus

    for name, data in _fuzz_corpus().items():
        r = client.post("/v1/assess", json={"id": name, "text": "look", "media": [{"data": _b64(data)}]})
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:200])
        r = client.post(
            "/v1/assess/multipart",
            data={"tweet": json.dumps({"id": name, "text": "look"})},
            files=[("media", (f"{name}.bin", data, "image/jpeg"))],
        )
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:200])


def test_the_status_follows_the_error_not_the_words_a_client_chose(client: TestClient) -> None:
    """An undecodable file is a 422 even if its media_key reads like the
    byte-limit message; an oversized one is a 413."""
    bait = {"type": "photo", "data": _b64(b"not an image"), "media_key": "the limit is 1 bytes"}
    r = client.post("/v1/assess", json={"id": "1", "text": "look", "media": [bait]})
    assert r.status_code == 422, r.text
    big = {"type": "photo", "data": _b64(b"\xff" * 2_000_001), "media_key": "x"}
    r = client.post("/v1/assess", json={"id": "1", "text": "look", "media": [big]})
    assert r.status_code == 413, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "media", 0, "data"]


def test_every_media_bank_refusal_has_one_shape(client: TestClient, keys: dict[str, str]) -> None:
    """Whichever handler refuses, a client reads `detail[i].loc/msg/type`."""
    admin = {"X-API-Key": keys["admin"]}
    assert client.post("/v1/media-banks", json={"name": "shape"}, headers=admin).status_code == 201
    flat = _b64(encode(photo("astronaut")[:1].repeat(480, axis=0) * 0 + 128))
    refusals = [
        client.post("/v1/media-banks", json={"name": "shape"}, headers=admin),  # exists: 409
        client.post("/v1/media-banks", json={"name": "Bad Name!"}, headers=admin),
        client.post("/v1/media-banks/nope/entries", json={"pdq": "0" * 64}, headers=admin),  # 404
        client.post("/v1/media-banks/shape/entries", json={"image": {"data": flat}}, headers=admin),
        client.post("/v1/media-banks/shape/entries", json={"image": {"data": _b64(b"junk")}}, headers=admin),
        client.delete("/v1/media-banks/shape/entries/999999", headers=admin),  # 404
        client.post(
            "/v1/media-banks/shape/import",
            content=b"pdq,zz\n",
            headers={**admin, "content-type": "text/csv"},
        ),
        client.post(
            "/v1/media-banks/shape/import",
            content=b"\xff\xfe",
            headers={**admin, "content-type": "text/csv"},
        ),
    ]
    for r in refusals:
        assert 400 <= r.status_code < 500, r.text
        detail = r.json()["detail"]
        assert isinstance(detail, list) and detail, r.text
        assert all({"loc", "msg", "type"} <= set(d) and d["loc"][0] in ("body", "path") for d in detail), (
            r.text
        )
