"""Probe tweets a reviewer would write, through the real API and the shipped
model: the service must leave everyday chatter, opinion and news alone, and
act on spam, threats, incitement and dangerous cures.

The split is acting (label, warning, escalation, reduced visibility) versus
not; which head scored what is the model's business, not this test's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.schemas.assessment import Assessment
from tests.conftest import queue_client
from training.traffic import ACTING

LEAVE_ALONE = {
    "chatter": "Can't believe it's Friday already, plans: sleep, pizza and the new Stranger Things 🍕",
    "sport": "What a goal from Salah in the 89th minute!! Anfield was shaking tonight ⚽️🔥",
    "opinion": "I think the new farm laws are bad for small farmers and the government should talk to them.",
    "question": "Does anyone know if the vaccine centre on Main Street is open on Sundays?",
    "joke": "My diet plan: eat pizza and hope for the best. So far so good 😂",
    "profanity": "Fuck this weather, third day of rain in a row",
    "health news": "The health ministry reports 1,204 new COVID-19 cases today; 92% of adults are vaccinated",
    # As health authorities post it, with a link. Without the link the shipped
    # model still calls this advice misleading (CONSTRAINT's link shortcut; see
    # the model card's limitations).
    "health advice": "Wash your hands, wear a mask in crowded places, get vaccinated when it is your turn. "
    "https://t.co/x1",
    "news": "Parliament passed the budget bill on Tuesday after a six-hour debate, the speaker said.",
}
ACT = {
    "spam + new account": "WIN a FREE iPhone!!! Click here now to claim your prize http://bit.ly/freeprize",
    "threat": "I know where you live and I will kill you, you worthless piece of shit",
    "incitement": "5G towers are spreading the virus, burn them down tonight",
    "dangerous cure": "Drinking bleach cures COVID-19 in hours… Give it to your kids now!",
    "hate": "Immigrants are animals and should all be shot at the border",
}
ESCALATE_P1 = ("incitement", "dangerous cure")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from service.settings import load_settings

    settings = load_settings(state_dir=tmp_path_factory.mktemp("state"))
    with queue_client(settings) as c:
        yield c


def _assess(client: TestClient, name: str, text: str, **extra: object) -> Assessment:
    resp = client.post("/v1/assess?spans=false", json={"id": name, "text": text, **extra})
    assert resp.status_code == 200, resp.text
    return Assessment.model_validate(resp.json())


def _acting(a: Assessment) -> list[str]:
    return [f"{r.policy}[{r.cell}]:{r.action}" for r in a.recommendations if r.action in ACTING]


@pytest.mark.parametrize("name", sorted(LEAVE_ALONE))
def test_everyday_tweets_are_left_alone(client: TestClient, name: str) -> None:
    a = _assess(client, name, LEAVE_ALONE[name])
    assert _acting(a) == [], a.explanation.reasons
    assert all(r.action != "needs_human_review" for r in a.recommendations), a.explanation.reasons
    assert a.supported_language


def test_an_opinion_is_never_labelled_for_veracity(client: TestClient) -> None:
    a = _assess(client, "opinion", LEAVE_ALONE["opinion"])
    mi = [r for r in a.recommendations if r.policy.startswith("misleading_information@")]
    assert [r.action for r in mi] == ["no_action"]


@pytest.mark.parametrize("name", sorted(ACT))
def test_harmful_tweets_are_acted_on(client: TestClient, name: str) -> None:
    extra: dict[str, object] = {}
    if name == "spam + new account":
        extra = {
            "created_at": "2026-11-30T12:00:00Z",
            "author": {"username": "prizes4u", "created_at": "2026-11-28T09:00:00Z"},
        }
    a = _assess(client, name, ACT[name], **extra)
    assert _acting(a), a.explanation.reasons


def test_spam_text_alone_never_reduces_visibility(client: TestClient) -> None:
    a = _assess(client, "spam", ACT["spam + new account"])
    spam = [r for r in a.recommendations if r.policy.startswith("spam_and_platform_manipulation@")]
    assert "reduce_visibility" not in {r.action for r in spam}
    assert {r.action for r in spam} <= {"needs_human_review", "no_action"}


@pytest.mark.parametrize("name", ESCALATE_P1)
def test_incitement_and_dangerous_cures_escalate_at_p1_from_a_50k_account(
    client: TestClient, name: str
) -> None:
    a = _assess(client, name, ACT[name], author={"username": "big", "followers_count": 50_000})
    assert "escalate_for_removal_review" in {r.action for r in a.recommendations}, a.explanation.reasons
    assert a.priority_band in ("P0", "P1"), (a.priority, a.priority_factors)
    assert any(name.split()[0] in reason or "phrase list" in reason for reason in a.explanation.reasons)
