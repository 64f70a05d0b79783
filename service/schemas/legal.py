"""Legal orders, Trends screening and the transparency report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from service.schemas.tweet import Timestamp, Tweet, Url

Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
Target = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


TARGET_KINDS = ("accounts", "tweets", "hashtags", "urls")


class OrderTargets(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # at least one target, as LegalOrderIn's validator insists
            "anyOf": [{"required": [k], "properties": {k: {"minItems": 1}}} for k in TARGET_KINDS]
        },
    )

    accounts: list[Target] = Field(default_factory=list, max_length=10_000, description="ids or usernames")
    tweets: list[Target] = Field(default_factory=list, max_length=10_000)
    hashtags: list[Target] = Field(default_factory=list, max_length=1_000)
    urls: list[Url] = Field(default_factory=list, max_length=10_000)


class LegalOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: Country
    legal_basis: str = Field(min_length=1, max_length=200, examples=["IT Act 2000 s.69A"])
    authority: str = Field(min_length=1, max_length=200, examples=["MeitY"])
    reference: str = Field(min_length=1, max_length=200)
    emergency: bool = False
    sealed: bool = Field(
        False, description="Sealed orders are redacted in exports and the author is not notified."
    )
    received_at: Timestamp | None = Field(None, description="Default: now.")
    deadline: Timestamp | None = Field(None, description="Default: received_at + the configured clock.")
    targets: OrderTargets

    @model_validator(mode="after")
    def _has_targets(self) -> LegalOrderIn:
        t = self.targets
        if not (t.accounts or t.tweets or t.hashtags or t.urls):
            raise ValueError("targets: name at least one account, tweet, hashtag or URL")
        return self


class TargetReport(BaseModel):
    kind: str
    value: str
    cases: list[dict[str, Any]] = Field(
        description="case id, tweet id, recommended action, reviewers' final actions"
    )


class LegalOrderOut(BaseModel):
    id: int
    country: str
    legal_basis: str
    authority: str
    reference: str
    emergency: bool
    sealed: bool
    received_at: datetime
    deadline: datetime
    targets: list[dict[str, str]]
    status: str | None = Field(None, description="pending, complied, partially_complied or exempted")
    report: list[TargetReport] | None = None


class TrendCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: str = Field(min_length=1, max_length=200, description="A hashtag (with #) or a search term.")
    tweets: list[Tweet] = Field(
        min_length=1,
        max_length=20,
        description="A sample of its recent tweets (50 × 20 per call).",
    )


class TrendsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidates: list[TrendCandidate] = Field(min_length=1, max_length=50)


class TrendDecision(BaseModel):
    term: str
    decision: str = Field(description="allow | exclude_from_trends | exclude_from_search_suggestions")
    countries: dict[str, str] = Field(
        description="Country-only decisions from legal orders, e.g. {'IN': ...}"
    )
    reasons: list[str]
    evidence: dict[str, Any]


class TrendsResponse(BaseModel):
    decisions: list[TrendDecision]
    model_version: str
