"""Cases in the review queue, and reviewers' decisions on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.policy.schema import Action
from service.schemas.assessment import Assessment
from service.schemas.tweet import Tweet


class CaseStatus(StrEnum):
    open = "open"
    claimed = "claimed"
    decided = "decided"


class ReasonCode(StrEnum):
    """Why the reviewer decided as they did; a fixed list, so it can be counted."""

    policy_applies = "policy_applies"
    policy_does_not_apply = "policy_does_not_apply"
    wrong_policy = "wrong_policy"
    insufficient_context = "insufficient_context"
    satire_or_parody = "satire_or_parody"
    newsworthy_public_interest = "newsworthy_public_interest"
    counter_speech_or_reporting = "counter_speech_or_reporting"
    protected_speaker = "protected_speaker"
    media_not_altered = "media_not_altered"
    spam_false_positive = "spam_false_positive"
    model_error = "model_error"
    other = "other"


class CaseSubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tweets: list[Tweet] = Field(min_length=1)


class SubmitResult(BaseModel):
    case_id: int
    tweet_id: str
    created: bool
    priority: float
    priority_band: str
    sla_deadline: datetime


class SubmitResponse(BaseModel):
    cases: list[SubmitResult]
    model_version: str


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(10, ge=1, le=100, description="How many cases to take.")
    lease_seconds: int = Field(900, ge=30, le=4 * 3600, description="How long they stay yours.")


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str = Field(description="policy id@version, as in the recommendation")
    cell: str
    action: Action
    verdict: Literal["accept", "override"]
    correct_cell: str | None = Field(
        None,
        max_length=100,
        description="On an override: the cell of the same policy that does apply. It tells "
        "retraining what the content is, not only that the suggestion was wrong.",
    )


class DecisionIn(BaseModel):
    """Accept or override each suggested recommendation, and say what applies.
    `accept_all: true` accepts every acting recommendation as suggested."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["accept_all"], "properties": {"accept_all": {"const": True}}},
                {"required": ["verdicts", "final_actions"],
                 "properties": {"verdicts": {"minItems": 1}, "final_actions": {"type": "array"}}},
            ]
        },
    )  # fmt: skip

    accept_all: bool = False
    verdicts: list[Verdict] = Field(default_factory=list, max_length=50)
    final_labels: list[str] | None = Field(None, max_length=20)
    final_actions: list[Action] | None = Field(None, max_length=20)
    reason_code: ReasonCode
    note: str | None = Field(None, max_length=4000)

    @model_validator(mode="after")
    def _complete(self) -> DecisionIn:
        if not self.accept_all and (not self.verdicts or self.final_actions is None):
            raise ValueError("send accept_all, or verdicts with final_actions")
        return self


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[Annotated[int, Field(ge=1, le=2**53 - 1)]] = Field(min_length=1, max_length=500)
    decision: DecisionIn


class DecisionOut(BaseModel):
    id: int
    case_id: int
    reviewer: str
    verdicts: list[dict[str, object]]
    final_labels: list[str]
    final_actions: list[str]
    reason_code: str
    note: str | None
    model_version: str
    policy_versions: dict[str, str]
    bulk_id: str | None
    created_at: datetime


class CaseOut(BaseModel):
    id: int
    tweet_id: str
    status: str
    priority: float
    priority_band: str
    effective_priority: float = Field(description="priority + 0.01 per hour waited")
    sla_deadline: datetime
    sla_breached: bool
    submissions: int
    created_at: datetime
    updated_at: datetime
    assigned_to: str | None
    lease_expires_at: datetime | None
    tweet: Tweet
    assessment: Assessment
    decisions: list[DecisionOut] | None = Field(None, description="Only in GET /v1/cases/{id}.")


class CaseList(BaseModel):
    cases: list[CaseOut]
    count: int
