"""A tweet as the moderation queue sends it: Twitter API v2 shaped.

Only `id` and `text` are required, so a queue can pass on whatever it has.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from service.schemas.media import MediaItem


def _plausible(value: datetime | None) -> datetime | None:
    """A timestamp the store can keep as UTC: a year 9999 with an offset
    overflows the conversion (the fuzzer's find), and no tweet, account or
    order dates from before 1990 or after 2200."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not datetime(1990, 1, 1, tzinfo=UTC) <= aware <= datetime(2200, 1, 1, tzinfo=UTC):
        raise ValueError("must be between 1990-01-01 and 2200-01-01")
    return value


Timestamp = Annotated[datetime, AfterValidator(_plausible)]

MAX_COUNT = 10**15  # followers, likes, impressions: beyond any account, within a float


class AccountType(StrEnum):
    news_media = "news_media"
    journalist = "journalist"
    activist = "activist"
    politician = "politician"
    government = "government"
    individual = "individual"
    unknown = "unknown"


class Author(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    username: str | None = Field(None, max_length=64)
    followers_count: int = Field(0, ge=0, le=MAX_COUNT)
    verified: bool = False
    account_type: AccountType = AccountType.unknown
    created_at: Timestamp | None = None


class PublicMetrics(BaseModel):
    model_config = ConfigDict(extra="ignore")

    retweet_count: int = Field(0, ge=0, le=MAX_COUNT)
    reply_count: int = Field(0, ge=0, le=MAX_COUNT)
    like_count: int = Field(0, ge=0, le=MAX_COUNT)
    quote_count: int = Field(0, ge=0, le=MAX_COUNT)
    impression_count: int = Field(0, ge=0, le=MAX_COUNT)

    @property
    def engagement(self) -> int:
        return self.retweet_count + self.reply_count + self.like_count + self.quote_count


def _splits(url: str) -> str:
    """Legal orders match a URL by host and path, so it must split into them
    ("http://[" does not: an unclosed IPv6 bracket)."""
    try:
        urlsplit(url if "://" in url else f"http://{url}")
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    return url


# The declared pattern is a little stricter than the validator: no brackets
# at all, where the validator lets a closed IPv6 host ("http://[::1]/") by.
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048),
    AfterValidator(_splits),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 2048, "pattern": r"^[^\[\]]+$"}),
]


class Entities(BaseModel):
    model_config = ConfigDict(extra="ignore")

    hashtags: list[str] = Field(default_factory=list, max_length=100)
    urls: list[Url] = Field(default_factory=list, max_length=100)
    mentions: list[str] = Field(default_factory=list, max_length=100)


class Geo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None


class Tweet(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    text: str = Field(
        min_length=1,
        pattern=r"\S",
        description="The tweet text, as posted; not blank. Its most characters are in the "
        "deployment's OpenAPI document (HARMLABEL_MAX_TEXT_CHARS).",
    )
    lang: str | None = Field(None, description="BCP 47 code; detected when absent.")
    created_at: Timestamp | None = None
    author: Author = Field(default_factory=lambda: Author())
    public_metrics: PublicMetrics = Field(default_factory=lambda: PublicMetrics())
    entities: Entities = Field(default_factory=lambda: Entities())
    geo: Geo = Field(default_factory=lambda: Geo())
    media: list[MediaItem] = Field(
        default_factory=list, max_length=16, description="Attached media; images as base64."
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty")
        return v


class RankRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tweets: list[Tweet] = Field(min_length=1)
    spans: bool = Field(False, description="Compute highlighted spans (costs one model call per word).")
