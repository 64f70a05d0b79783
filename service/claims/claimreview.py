"""Fact-checks in and out: schema.org `ClaimReview` (the format fact-checkers
publish and Google's Fact Check Tools read) and the CheckThat! 2A JSONL.

A ClaimReview's verdict is free text in `reviewRating.alternateName` ("False",
"Pants on Fire!", "Missing context"…); `rating_of` maps it onto our five
ratings and leaves anything it does not recognise "unrated", which earns a
context label, never a verdict.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

from service.schemas.fact_checks import FactCheckCreate
from service.store.fact_checks import FactCheckFields

_MIXED = r"\b(mixture|mixed|half[ -]true|partly true|partially true|unproven|unverified)\b"
_MISLEADING = r"\b(misleading|missing context|out of context|miscaptioned|exaggerat|distort|mostly false)"
_FALSE = r"\b(false|fake|pants on fire|incorrect|fabricated|hoax|scam|wrong|falso)\b"
_RATINGS = (
    ("true", re.compile(r"^(true|correct|accurate|mostly true|verdadero)\b", re.I)),
    ("mixed", re.compile(_MIXED, re.I)),
    ("misleading", re.compile(_MISLEADING, re.I)),
    ("false", re.compile(_FALSE, re.I)),
)


def rating_of(text: str | None) -> str:
    for rating, pattern in _RATINGS:
        if text and pattern.search(text.strip()):
            return rating
    return "unrated"


def _date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    return None


def from_claim_review(obj: dict[str, Any]) -> FactCheckFields:
    """One ClaimReview object; raises ValueError naming the missing field."""
    claim = obj.get("claimReviewed")
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("claimReviewed is required")
    rating = obj.get("reviewRating") or {}
    author = obj.get("author") or {}
    url = obj.get("url")
    return _checked(
        FactCheckFields(
            claim=claim.strip(),
            rating=rating_of(rating.get("alternateName") if isinstance(rating, dict) else None),
            title=obj.get("headline") or obj.get("name"),
            publisher=author.get("name") if isinstance(author, dict) else None,
            url=url if isinstance(url, str) else None,
            review_date=_date(obj.get("datePublished")),
            language=str(obj.get("inLanguage") or "en"),
            source_key=_key("claimreview", url) if isinstance(url, str) and url else None,
        )
    )


def to_claim_review(f: Any) -> dict[str, Any]:
    """A stored fact-check (service.store.models.FactCheck) as ClaimReview."""
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": f.claim,
        "reviewRating": {"@type": "Rating", "alternateName": f.rating},
        "inLanguage": f.language,
        "identifier": f"harmlabel:fact-check:{f.id}",
    }
    if f.title:
        out["headline"] = f.title
    if f.url:
        out["url"] = f.url
    if f.publisher:
        out["author"] = {"@type": "Organization", "name": f.publisher}
    if f.review_date:
        out["datePublished"] = f.review_date.isoformat()
    return out


def from_checkthat(obj: dict[str, Any]) -> FactCheckFields:
    """One line of CheckThat! 2A `vclaims.jsonl` (Snopes; no verdict in the
    release, so "unrated")."""
    claim = obj.get("vclaim")
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("vclaim is required")
    return _checked(
        FactCheckFields(
            claim=claim.strip(),
            rating="unrated",
            title=obj.get("title") or None,
            summary=obj.get("subtitle") or None,
            publisher="Snopes",
            url=obj.get("page_url") or None,
            review_date=_date(obj.get("date")),
            source_key=_key("checkthat", obj["vclaim_id"]) if obj.get("vclaim_id") else None,
        )
    )


def _key(kind: str, value: object) -> str:
    """A stable identity for re-imports; long ones hashed to fit the column."""
    text = f"{kind}:{value}"
    return text if len(text) <= 280 else f"{kind}:sha256:{hashlib.sha256(str(value).encode()).hexdigest()}"


def _checked(fields: FactCheckFields) -> FactCheckFields:
    """An imported item meets the rules a single POST meets (types, lengths,
    an http(s) URL, a language tag): pydantic's ValidationError is a
    ValueError, which the import reports against the item."""
    data = {k: getattr(fields, k) for k in FactCheckCreate.model_fields}
    FactCheckCreate.model_validate(data)
    return fields
