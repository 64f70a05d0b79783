"""What harmlabel answers for each tweet."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from service.policy.engine import StatementOfReasons
from service.policy.schema import Action
from service.schemas.media import MediaReport, MediaVerdict


class FactCheckMatch(BaseModel):
    """A banked fact-check the tweet repeats, with the link the label cites."""

    fact_check_id: int
    title: str | None
    claim: str
    rating: str = Field(description="false, misleading, mixed, true or unrated (the publisher's verdict).")
    publisher: str | None
    url: str | None
    probability: float = Field(description="The matcher's calibrated probability that the tweet repeats it.")
    similarity: float = Field(description="Cosine similarity of the tweet and fact-check embeddings.")


class RecommendationOut(BaseModel):
    action: Action
    country: str | None = Field(None, description="Set when the action applies in one country only.")
    label_text: str | None
    policy: str = Field(description="policy id@version")
    cell: str = Field(description="The decision-table row that fired.")
    severity: float
    confidence: float
    reasons: list[str]
    statement_of_reasons: StatementOfReasons | None
    citations: list[FactCheckMatch] = Field(
        default_factory=list,
        description="The fact-checks this recommendation rests on, when it rests on any.",
    )


class Span(BaseModel):
    start: int = Field(description="Character offset into the original text (inclusive).")
    end: int = Field(description="Character offset into the original text (exclusive).")
    text: str
    weight: float = Field(description="Drop in the head's risk when these words are removed.")


class Explanation(BaseModel):
    reasons: list[str]
    top_head: str | None
    spans: list[Span] | None = Field(description="None when spans were not requested.")


class PriorityFactors(BaseModel):
    severity: float
    confidence: float
    reach: float
    followers: int
    engagement: int
    engagement_per_hour: float | None
    formula: str


class Visibility(BaseModel):
    withheld_in: list[str] = Field(description="Countries where a legal order asks to withhold the tweet.")
    viewer_country: str | None = Field(description="From ?viewer_country=, e.g. the viewer's IP country.")
    withheld_for_viewer: bool | None = Field(description="Null when no viewer country was given.")


class Assessment(BaseModel):
    tweet_id: str
    rank: int | None = None
    lang: str = Field(description="BCP 47: the client's, or detected; hi-Latn is romanised Hindi.")
    lang_detected: bool
    supported_language: bool = Field(description="A model for this language scored the tweet.")
    route: str = Field(
        "model:en",  # assessments stored before routing were all scored by the English model
        description="model:<lang> (scored by that language's model) or human_review (unscored: no model "
        "reads this language).",
    )
    scores: dict[str, dict[str, float]] = Field(
        description="The routed model's heads; empty when the tweet went to human review unscored."
    )
    priority: float = Field(ge=0, le=1)
    priority_band: str = Field(pattern="^P[0-3]$")
    priority_factors: PriorityFactors
    recommendations: list[RecommendationOut]
    explanation: Explanation
    media: list[MediaReport] = Field(default_factory=list, description="One report per attachment.")
    media_verdict: MediaVerdict
    coordination: str | None = Field(None, description="The coordinated campaign this tweet is part of.")
    legal_deadline: datetime | None = Field(
        None, description="Earliest compliance deadline of a matching order."
    )
    visibility: Visibility
    cache_hit: bool = Field(False, description="The text's scores came from the duplicate cache.")
    fact_checks: list[FactCheckMatch] = Field(
        default_factory=list, description="Banked fact-checks the tweet matches above the threshold."
    )
    model_version: str | None = Field(description="The routed model's version; null when unscored.")
    policy_versions: dict[str, str]


class RankResponse(BaseModel):
    assessments: list[Assessment]
    model_version: str = Field(
        description="The English model's version; each assessment names the model of its own route."
    )
    policy_versions: dict[str, str]
    count: int
