"""What happened to each legal order: per target, the recommendation and the
reviewers' decision, and the order's compliance status."""

from __future__ import annotations

from typing import Any

from service.legal.orders import OrderInfo
from service.legal.targets import tweet_keys
from service.policy.schema import Action
from service.schemas.tweet import Tweet
from service.store.reports import CaseFacts

WITHHOLD = Action.withhold_in_country.value


def _recommended(order: OrderInfo, facts: CaseFacts) -> str | None:
    prefix = f"order:{order.id}:"
    recs = [
        r for r in facts.assessment.get("recommendations", []) if str(r.get("cell", "")).startswith(prefix)
    ]
    return str(recs[0]["action"]) if recs else None


def order_cases(order: OrderInfo, facts: list[CaseFacts]) -> list[tuple[CaseFacts, set[tuple[str, str]]]]:
    """The cases this order matched, with the targets each one matched."""
    wanted = {(k.value, v) for k, v in order.targets}
    out = []
    for f in facts:
        if _recommended(order, f) is None:
            continue
        keys = {(k.value, v) for k, v in tweet_keys(Tweet.model_validate(f.tweet))} & wanted
        out.append((f, keys))
    return out


def order_report(order: OrderInfo, facts: list[CaseFacts]) -> tuple[str, list[dict[str, Any]]]:
    matched = order_cases(order, facts)
    targets = []
    for kind, value in order.targets:
        rows = [
            {
                "case_id": f.case_id,
                "tweet_id": f.tweet["id"],
                "recommended": _recommended(order, f),
                "decided": f.final_actions,
            }
            for f, keys in matched
            if (kind.value, value) in keys
        ]
        targets.append({"kind": kind.value, "value": value, "cases": rows})
    return order_status(order, [f for f, _ in matched]), targets


def order_status(order: OrderInfo, matched: list[CaseFacts]) -> str:
    if not matched or any(f.final_actions is None for f in matched):
        return "pending"
    withheld = [WITHHOLD in (f.final_actions or []) for f in matched]
    exempt = [_recommended(order, f) == Action.legal_review.value for f in matched]
    if all(exempt) and not any(withheld):
        return "exempted"
    if all(w or e for w, e in zip(withheld, exempt, strict=True)):
        return "complied"
    return "partially_complied"


def lumen_record(order: OrderInfo, facts: list[CaseFacts]) -> dict[str, Any]:
    """A Lumen-style notice: who asked, under what law, for what, and what was done.
    A sealed order keeps its existence and counts public, nothing else."""
    status, targets = order_report(order, facts)
    record: dict[str, Any] = {
        "type": "GovernmentRequest",
        "title": f"Government request from {order.country}",
        "recipient": "the platform operating harmlabel",
        "jurisdictions": [order.country],
        "date_received": order.received_at.isoformat(),
        "action_taken": status,
        "withheld_in": [order.country],
        "counts": {  # distinct items: a tweet naming two targets counts once
            "targets": len(order.targets),
            "matched_items": len({c["case_id"] for t in targets for c in t["cases"]}),
            "withheld": len(
                {c["case_id"] for t in targets for c in t["cases"] if WITHHOLD in (c["decided"] or [])}
            ),
        },
    }
    if order.sealed:
        record |= {"sender": "[redacted: sealed order]", "legal_basis": "[redacted]", "works": "[redacted]"}
        return record
    record |= {
        "sender": order.authority,
        "reference": order.reference,
        "legal_basis": order.legal_basis,
        "emergency": order.emergency,
        "works": [
            {"kind": t["kind"], "target": t["value"], "items": [c["tweet_id"] for c in t["cases"]]}
            for t in targets
        ],
    }
    return record
