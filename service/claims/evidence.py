"""Claim matches as policy signals, evidence and citations.

Three signals, one per kind of verdict, each the best matching fact-check's
probability rescaled so that the matcher's threshold reads 0.5 (policies
then write `min: 0.5` whatever threshold the ranker was fitted to):
`factcheck.refuted` (rated false or misleading), `factcheck.checked` (mixed
or unrated: context, not a verdict) and `factcheck.supported` (rated true,
which counts against a misinformation label). A tweet that itself calls
the claim false (`service.text.patterns.disputes`) repeats a refuted claim
only to deny it: it says what the fact-check says, so its match counts as
`factcheck.supported`, against a misinformation label, never for one.
"""

from __future__ import annotations

from service.claims.matcher import ClaimMatch
from service.schemas.assessment import FactCheckMatch

SIGNALS = ("factcheck.refuted", "factcheck.checked", "factcheck.supported")
_KIND = {
    "false": "refuted",
    "misleading": "refuted",
    "mixed": "checked",
    "unrated": "checked",
    "true": "supported",
}


def scaled(probability: float, threshold: float) -> float:
    """Piecewise linear: 0 → 0, threshold → 0.5, 1 → 1."""
    if probability < threshold:
        return 0.5 * probability / max(threshold, 1e-9)
    return 0.5 + 0.5 * (probability - threshold) / max(1 - threshold, 1e-9)


def signals(
    matches: list[ClaimMatch], threshold: float, disputed: str | None = None
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """`disputed`: the phrase by which the tweet calls a claim false, if any."""
    values = dict.fromkeys(SIGNALS, 0.0)
    evidence: dict[str, list[str]] = {s: [] for s in SIGNALS}
    for m in matches:
        kind = _KIND[m.fact_check.rating]
        note = ""
        if kind == "refuted" and disputed:
            kind, note = "supported", f"; the tweet disputes the claim too (\u201c{disputed}\u201d)"
        name = f"factcheck.{kind}"
        values[name] = max(values[name], round(scaled(m.probability, threshold), 4))
        evidence[name].append(describe(m) + note)
    return values, evidence


def describe(m: ClaimMatch) -> str:
    f = m.fact_check
    title = f.title or f.claim
    where = f" {f.url}" if f.url else ""
    by = f"{f.publisher}, " if f.publisher else ""
    return (
        f"matches fact-check #{f.id} \u201c{title}\u201d ({by}rated {f.rating}, p={m.probability:.2f}){where}"
    )


def out(m: ClaimMatch) -> FactCheckMatch:
    f = m.fact_check
    return FactCheckMatch(
        fact_check_id=f.id,
        title=f.title,
        claim=f.claim,
        rating=f.rating,
        publisher=f.publisher,
        url=f.url,
        probability=round(m.probability, 4),
        similarity=round(m.cosine, 4),
    )
