"""Fact-checks in the bank, as the API takes and gives them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Rating = Literal["false", "misleading", "mixed", "true", "unrated"]


class FactCheckCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str = Field(min_length=1, max_length=2000, description="The claim as checked, in one sentence.")
    rating: Rating = "unrated"
    title: str | None = Field(None, max_length=500)
    summary: str | None = Field(None, max_length=4000)
    publisher: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000, pattern=r"^https?://\S+$")
    review_date: date | None = None
    language: str = Field("en", min_length=2, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    tags: str | None = Field(None, max_length=500)


class FactCheckOut(BaseModel):
    id: int
    claim: str
    rating: str
    title: str | None
    summary: str | None
    publisher: str | None
    url: str | None
    review_date: date | None
    language: str
    tags: str | None
    added_by: str | None
    added_at: datetime


class FactCheckList(BaseModel):
    items: list[FactCheckOut]
    total: int
    bank_version: int


def _items_need(field: str, format_: str) -> dict[str, Any]:
    item = {
        "type": "object",
        "required": [field],
        "properties": {field: {"type": "string", "pattern": r"\S"}},
    }
    return {"properties": {"format": {"const": format_}, "items": {"items": item}}}


class FactCheckImport(BaseModel):
    """Each item must carry its claim: `claimReviewed` (ClaimReview) or `vclaim` (CheckThat!)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [_items_need("claimReviewed", "claimreview"), _items_need("vclaim", "checkthat")]
        },
    )

    format: Literal["claimreview", "checkthat"]
    items: list[dict[str, Any]] = Field(min_length=1, max_length=20_000)


class ImportOutcome(BaseModel):
    added: int
    skipped_known: int = Field(description="Already in the bank (same publisher id or URL).")
    bank_version: int
