"""The fact-check bank through the API, on the shipped claim matcher and
classifier: bank a claim, and a reworded tweet repeating it is labelled on
the fact-check's verdict, citing its link; import, export, delete, roles,
bad input, and the console's "bank this claim"."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings
from service.store import fact_checks
from service.store.keys import Role, create_key

FIVE_G = {
    "claim": "5G mobile phone towers spread the coronavirus and cause COVID-19.",
    "rating": "false",
    "title": "No, 5G networks do not spread COVID-19",
    "publisher": "Example Fact Check",
    "url": "https://factcheck.example.org/5g-covid",
}
REWORDED = "Wake up people, the new 5G masts they put up everywhere are what is really spreading covid!!"
HANDWASHING = {
    "claim": "Washing your hands with soap for 20 seconds removes the coronavirus.",
    "rating": "true",
    "title": "Does Handwashing Remove the Coronavirus?",
    "url": "https://factcheck.example.org/handwashing",
}
DENIAL = "No, 5G phone masts do not spread the coronavirus or cause COVID-19. It's a myth, stop sharing it."
EVERYDAY = "Had the best pancakes with my sister this morning, happy Sunday everyone"


@pytest.fixture
def app(settings: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    with TestClient(create_app(settings), base_url="https://testserver") as client:  # Secure cookies
        db = client.app.state.db  # type: ignore[attr-defined]
        keys = {r.value: {"X-API-Key": create_key(db, r, r.value)[0]} for r in Role}
        yield client, keys


def _settled(client: TestClient, timeout: float = 60) -> None:
    """Wait until the matcher serves the stored bank: changes rebuild it off
    the request path, and /readyz says which bank version it serves."""
    deadline = time.monotonic() + timeout
    while True:
        stored = fact_checks.bank_version(client.app.state.db)  # type: ignore[attr-defined]
        claims = client.get("/readyz").json()["claims"]
        if claims["ready"] and claims["bank_version"] == stored:
            return
        assert time.monotonic() < deadline, (claims, stored)
        time.sleep(0.05)


def _assess(client: TestClient, key: dict[str, str], text: str) -> dict[str, Any]:
    """The assessment once the matcher serves every change made so far."""
    _settled(client)
    r = client.post("/v1/assess", json={"id": "t1", "text": text}, headers=key)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _mi(assessment: dict[str, Any]) -> dict[str, Any]:
    recs: list[dict[str, Any]] = assessment["recommendations"]
    [rec] = [r for r in recs if r["policy"].startswith("misleading_information@")]
    return rec


def test_a_reworded_false_claim_is_labelled_and_cites_the_fact_check(app: Any) -> None:
    client, keys = app
    before = _assess(client, keys["queue"], REWORDED)
    assert before["fact_checks"] == []
    r = client.post("/v1/fact-checks", json=FIVE_G, headers=keys["reviewer"])
    assert r.status_code == 201, r.text

    after = _assess(client, keys["queue"], REWORDED)
    [match] = after["fact_checks"]
    assert match["url"] == FIVE_G["url"] and match["rating"] == "false"
    rec = _mi(after)
    assert rec["cell"].startswith("fact_checked×"), rec
    assert [c["url"] for c in rec["citations"]] == [FIVE_G["url"]]
    assert FIVE_G["url"] in rec["statement_of_reasons"]["facts_and_circumstances"]
    assert any(FIVE_G["title"] in reason for reason in rec["reasons"])

    ordinary = _assess(client, keys["queue"], EVERYDAY)
    assert ordinary["fact_checks"] == [] and _mi(ordinary)["action"] == "no_action"

    # A tweet repeating the claim to deny it matches too, and the match keeps
    # the classifier (which reads "5G" and "COVID" as misinformation) from labelling it.
    denial = _assess(client, keys["queue"], DENIAL)
    assert [m["url"] for m in denial["fact_checks"]] == [FIVE_G["url"]]
    assert _mi(denial)["action"] == "no_action", _mi(denial)


def test_an_unrated_fact_check_gives_context_and_a_true_one_no_verdict(app: Any, corpus_dir: Any) -> None:
    """In a bank of 300 real Snopes fact-checks plus one of ours."""
    client, keys = app
    lines = (corpus_dir / "checkthat2022_2a_claim_retrieval_en" / "vclaims.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines[:300]]
    body = {"format": "checkthat", "items": items}
    assert client.post("/v1/fact-checks/import", json=body, headers=keys["admin"]).status_code == 200
    unrated = {
        "claim": "The city council voted to close Main Street to cars every Sunday from June.",
        "title": "Is Main Street Closing to Cars on Sundays?",
        "publisher": "Local Fact Desk",
        "url": "https://localfacts.example.org/main-street-sundays",
    }
    assert client.post("/v1/fact-checks", json=unrated, headers=keys["reviewer"]).status_code == 201
    claim = "The city council has voted to close Main Street to cars on Sundays starting in June."
    seen = _assess(client, keys["queue"], claim)
    assert [m["url"] for m in seen["fact_checks"]] == [unrated["url"]], seen["fact_checks"]
    rec = _mi(seen)
    assert rec["cell"] == "fact_check_context×any" and rec["action"] == "label", rec
    assert "fact-checked" in rec["label_text"] and rec["citations"][0]["url"] == unrated["url"]
    # An exclamation makes no verifiable claim: it may match, but gets no context label.
    gasp = "Main Street with no cars on a Sunday?? 😍"
    assert _mi(_assess(client, keys["queue"], gasp))["action"] == "no_action"

    true = {**FIVE_G, "rating": "true", "url": "https://factcheck.example.org/true"}
    assert client.post("/v1/fact-checks", json=true, headers=keys["reviewer"]).status_code == 201
    both = _assess(client, keys["queue"], REWORDED)
    assert "true" in {m["rating"] for m in both["fact_checks"]}

    # A claim fact-checkers rated true is neither misleading, disputed nor unverified
    # (the classifier alone calls this one disputed).
    assert client.post("/v1/fact-checks", json=HANDWASHING, headers=keys["reviewer"]).status_code == 201
    washed = _assess(
        client, keys["queue"], "20 seconds of soap and water gets rid of the virus, wash your hands folks"
    )
    assert [m["rating"] for m in washed["fact_checks"]] == ["true"], washed["fact_checks"]
    assert _mi(washed)["action"] == "no_action", _mi(washed)


def test_delete_stops_the_match_and_export_import_round_trips(app: Any, tmp_path: Any) -> None:
    client, keys = app
    made = client.post("/v1/fact-checks", json=FIVE_G, headers=keys["reviewer"]).json()
    exported = client.get("/v1/fact-checks/export", headers=keys["admin"]).json()
    [review] = exported
    assert review["@type"] == "ClaimReview" and review["reviewRating"]["alternateName"] == "false"
    assert review["url"] == FIVE_G["url"] and review["claimReviewed"] == FIVE_G["claim"]

    version = client.get("/v1/fact-checks", headers=keys["reviewer"]).json()["bank_version"]
    assert client.delete(f"/v1/fact-checks/{made['id']}", headers=keys["reviewer"]).status_code == 204
    listing = client.get("/v1/fact-checks", headers=keys["reviewer"]).json()
    assert listing["total"] == 0 and listing["bank_version"] > version
    assert _assess(client, keys["queue"], REWORDED)["fact_checks"] == []
    assert client.delete(f"/v1/fact-checks/{made['id']}", headers=keys["reviewer"]).status_code == 404

    body = {"format": "claimreview", "items": exported}
    first = client.post("/v1/fact-checks/import", json=body, headers=keys["admin"]).json()
    again = client.post("/v1/fact-checks/import", json=body, headers=keys["admin"]).json()
    assert (first["added"], again["added"], again["skipped_known"]) == (1, 0, 1)
    assert _assess(client, keys["queue"], REWORDED)["fact_checks"][0]["url"] == FIVE_G["url"]


def test_checkthat_lines_import_as_unrated_snopes_fact_checks(app: Any, corpus_dir: Any) -> None:
    client, keys = app
    lines = (
        (corpus_dir / "checkthat2022_2a_claim_retrieval_en" / "vclaims.jsonl").read_text().splitlines()[:50]
    )
    import json

    items = [json.loads(line) for line in lines]
    out = client.post(
        "/v1/fact-checks/import", json={"format": "checkthat", "items": items}, headers=keys["admin"]
    )
    assert out.status_code == 200, out.text
    assert out.json()["added"] == 50
    page = client.get("/v1/fact-checks", params={"limit": 5}, headers=keys["reviewer"]).json()
    assert page["total"] == 50 and {f["rating"] for f in page["items"]} == {"unrated"}
    assert {f["publisher"] for f in page["items"]} == {"Snopes"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**FIVE_G, "rating": "fake-ish"}, "rating"),
        ({**FIVE_G, "url": "ftp://example.org/x"}, "url"),
        ({**FIVE_G, "claim": ""}, "claim"),
        ({**FIVE_G, "surprise": 1}, "surprise"),
    ],
)
def test_bad_fact_checks_get_a_422_naming_the_field(app: Any, body: dict[str, Any], field: str) -> None:
    client, keys = app
    r = client.post("/v1/fact-checks", json=body, headers=keys["reviewer"])
    assert r.status_code == 422
    assert field in {str(part) for d in r.json()["detail"] for part in d["loc"]}


def test_an_unreadable_import_item_refuses_the_whole_import_naming_it(app: Any) -> None:
    client, keys = app
    items = [{"claimReviewed": "fine", "url": "https://a.example/1"}, {"url": "https://a.example/2"}]
    r = client.post(
        "/v1/fact-checks/import", json={"format": "claimreview", "items": items}, headers=keys["admin"]
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "items", 1]
    assert client.get("/v1/fact-checks", headers=keys["reviewer"]).json()["total"] == 0


def test_roles(app: Any) -> None:
    client, keys = app
    assert client.post("/v1/fact-checks", json=FIVE_G, headers=keys["queue"]).status_code == 403
    body = {"format": "claimreview", "items": [{"claimReviewed": "x"}]}
    assert client.post("/v1/fact-checks/import", json=body, headers=keys["reviewer"]).status_code == 403
    assert client.get("/v1/fact-checks").status_code == 401


def test_a_reviewer_banks_a_case_claim_from_the_console(app: Any) -> None:
    client, keys = app
    cases = client.post("/v1/cases", json={"tweets": [{"id": "c1", "text": REWORDED}]}, headers=keys["queue"])
    case_id = cases.json()["cases"][0]["case_id"]

    def csrf(path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]

    client.post("/review/login", data={"key": keys["reviewer"]["X-API-Key"], "csrf": csrf("/review/login")})
    client.post("/review/claim", data={"n": "5", "csrf": csrf("/review")})
    queue = client.get("/review").text
    assert "Bank this claim" in queue
    token = csrf("/review")
    form = {
        "claim": FIVE_G["claim"],
        "url": FIVE_G["url"],
        "rating": "false",
        "title": FIVE_G["title"],
        "csrf": token,
    }
    done = client.post(f"/review/cases/{case_id}/fact-check", data=form)
    flash = re.search(r"(Banked|Not banked|The form expired)[^<]*", done.text)
    assert done.status_code == 200 and flash and flash.group(0).startswith("Banked fact-check"), flash
    [stored] = client.get("/v1/fact-checks", headers=keys["reviewer"]).json()["items"]
    assert stored["added_by"] == "reviewer" and stored["rating"] == "false"
    deadline = time.monotonic() + 5
    while not _assess(client, keys["queue"], REWORDED)["fact_checks"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
