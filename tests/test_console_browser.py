"""The reviewer console in real headless Chromium (Debian's), against the
real service: log in, claim, accept one case by keyboard, override another,
and find both decisions in the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from service.settings import load_settings
from service.store.db import Database
from service.store.keys import Role
from service.store.models import Decision
from tests.conftest import REPO, make_key
from tests.server import call, running

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
TWEETS = [
    {
        "id": "c-1",
        "text": "Thousands of doctors say hydroxychloroquine cures coronavirus. Share before they delete it!",
        "author": {"username": "health_truths", "followers_count": 240_000},
        "public_metrics": {"retweet_count": 1200, "like_count": 5400},
    },
    {
        "id": "c-2",
        "text": "5G towers are spreading the virus, burn them down tonight",
        "author": {"username": "wake_up_now", "followers_count": 18_000},
    },
    {"id": "c-3", "text": "Wash your hands and keep your distance, says the health ministry."},
    {  # the same words as c-1, from another account: a wave of copies
        "id": "c-4",
        "text": "Thousands of doctors say hydroxychloroquine  cures coronavirus. "
        "Share before they delete it!",
        "author": {"username": "copy_paste_42", "followers_count": 12},
    },
]
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML)"""


def test_reviewer_accepts_by_keyboard_and_overrides(tmp_path: Path, free_port: int) -> None:
    assert shutil.which(CHROMIUM), (
        "Debian chromium is missing: `make test` installs it (apt-get install chromium)"
    )
    settings = load_settings(state_dir=tmp_path)
    queue, reviewer = make_key(settings, Role.queue), make_key(settings, Role.reviewer, "ana")
    ARTIFACTS.mkdir(exist_ok=True)
    with running(tmp_path, free_port) as url, sync_playwright() as pw:
        status, body = call(f"{url}/v1/cases", queue, {"tweets": TWEETS})
        assert status == 200, body
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(
            base_url=f"http://localhost:{free_port}", viewport={"width": 1100, "height": 1400}
        )
        page.goto("/review")
        expect(page).to_have_url(f"http://localhost:{free_port}/review/login")
        page.get_by_label("Reviewer API key").fill(reviewer)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("status")).to_contain_text("Signed in as ana")
        page.get_by_role("button", name="Claim next").click()
        cards = page.locator("article.case")
        expect(cards).to_have_count(4)
        assert page.locator("mark").count() > 0, "explanation spans are highlighted"
        expect(cards.first.locator(".sla")).to_contain_text("SLA")
        expect(cards.first.locator(".suggested-by")).to_contain_text("model full-")
        assert page.evaluate(UNLABELLED_CONTROLS) == [], "every form control has a label"
        page.screenshot(path=str(ARTIFACTS / "review-console.png"), full_page=True)

        # Bulk: select the copies of the first case's text, accept them together.
        wave_hash = cards.first.get_attribute("data-text-hash")
        wave = {
            int(c.get_attribute("data-case") or 0)
            for c in cards.all()
            if c.get_attribute("data-text-hash") == wave_hash
        }
        assert len(wave) == 2
        cards.first.focus()
        page.keyboard.press("i")
        expect(page.locator("#selected-count")).to_have_text("2")
        page.get_by_role("button", name="Accept all suggestions on selected").click()
        expect(page.get_by_role("status")).to_contain_text("Saved the decision on 2 case")
        expect(page.locator("article.case")).to_have_count(2)

        first = page.locator("article.case").first
        first_id = int(first.get_attribute("data-case") or 0)
        first.focus()
        page.keyboard.press("a")
        expect(page.get_by_role("status")).to_contain_text("Saved the decision on 1 case")
        expect(page.locator("article.case")).to_have_count(1)

        second = page.locator("article.case").first
        second_id = int(second.get_attribute("data-case") or 0)
        second.focus()
        page.keyboard.press("o")
        dialog = page.locator(f"#override-{second_id}")
        expect(dialog).to_be_visible()
        # The picker: keyboard-reachable, one per policy; say which cell is right.
        picker = dialog.locator("select[name=correct_cells]").first
        picker.focus()
        page.keyboard.press("ArrowDown")  # from "not this, no correction" to the first other cell
        chosen_policy, chosen_cell = (picker.input_value() or "|").split("|", 1)
        assert chosen_cell, "the picker offers the policy's other cells"
        dialog.get_by_label("no_action").check()
        dialog.get_by_label("Reason").select_option("counter_speech_or_reporting")
        dialog.get_by_label("Note").fill("reports the rumour in order to debunk it")
        dialog.get_by_role("button", name="Save override").click()
        expect(page.get_by_role("status")).to_contain_text("Saved the decision on 1 case")
        expect(page.locator("article.case")).to_have_count(0)
        browser.close()

    db = Database(settings.resolved_database_url)
    with db.session() as s:
        stored = {d.case_id: d for d in s.scalars(select(Decision))}
    assert set(stored) == wave | {first_id, second_id}
    assert len({stored[c].bulk_id for c in wave}) == 1 and stored[min(wave)].bulk_id
    assert stored[first_id].reviewer == "ana" and stored[first_id].reason_code == "policy_applies"
    assert all(v["verdict"] == "accept" for v in stored[first_id].verdicts)
    assert stored[second_id].final_actions == ["no_action"]
    corrected = [v for v in stored[second_id].verdicts if v["policy"] == chosen_policy]
    assert corrected and all(v.get("correct_cell") == chosen_cell for v in corrected), stored[
        second_id
    ].verdicts
    assert stored[second_id].reason_code == "counter_speech_or_reporting"
    assert stored[second_id].note == "reports the rumour in order to debunk it"


@pytest.mark.parametrize("bad_key", ["", "hl_not-a-key"])
def test_console_refuses_bad_keys(tmp_path: Path, free_port: int, bad_key: str) -> None:
    settings = load_settings(state_dir=tmp_path)
    queue = make_key(settings, Role.queue)
    with running(tmp_path, free_port) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(base_url=url.replace("127.0.0.1", "localhost"))
        for key in (bad_key or queue,):  # a queue key is a real key, but not a reviewer's
            page.goto("/review/login")
            page.get_by_label("Reviewer API key").fill(key)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("not a reviewer key")
        browser.close()
