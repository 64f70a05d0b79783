"""The transparency report (DSA Art. 15 style) over a period.

Everything is computed from the store: cases created in the period, their
recommendations and reviewers' decisions, and the legal orders received.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from service.legal.orders import OrderInfo
from service.legal.reporting import order_cases, order_status
from service.store.reports import CaseFacts


def transparency(
    facts: list[CaseFacts], orders: list[OrderInfo], start: datetime, end: datetime
) -> dict[str, Any]:
    by_action: Counter[str] = Counter()
    by_policy: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    for f in facts:
        for r in f.assessment.get("recommendations", []):
            if r["action"] == "no_action":
                continue
            by_action[r["action"]] += 1
            by_policy[str(r["policy"]).split("@")[0]] += 1
            by_country[r.get("country") or "global"] += 1

    received = [o for o in orders if start <= o.received_at < end]
    statuses = Counter(order_status(o, [c for c, _ in order_cases(o, facts)]) for o in received)

    hours = [
        (f.decisions[0]["created_at"] - f.created_at).total_seconds() / 3600 for f in facts if f.decisions
    ]
    agreement: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in facts:
        for d in f.decisions:
            for v in d["verdicts"]:
                tally = agreement[str(v.get("policy", "?")).split("@")[0]]
                tally[0] += v.get("verdict") == "accept"
                tally[1] += 1

    versions: dict[str, dict[str, Any]] = {}
    for f in facts:
        v = str(f.assessment.get("model_version") or "unscored")  # null: routed to a reviewer unscored
        seen = versions.setdefault(v, {"cases": 0, "first_seen": f.created_at, "last_seen": f.created_at})
        seen["cases"] += 1
        seen["first_seen"] = min(seen["first_seen"], f.created_at)
        seen["last_seen"] = max(seen["last_seen"], f.created_at)

    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "cases": len(facts),
        "decided": sum(1 for f in facts if f.decisions),
        "recommendations": {
            "total": sum(by_action.values()),
            "by_action": dict(by_action.most_common()),
            "by_policy": dict(by_policy.most_common()),
            "by_country": dict(by_country.most_common()),
        },
        "legal_orders": {
            "received": len(received),
            **{s: statuses.get(s, 0) for s in ("complied", "partially_complied", "exempted", "pending")},
            "by_country": dict(Counter(o.country for o in received)),
            "emergency": sum(o.emergency for o in received),
            "sealed": sum(o.sealed for o in received),
        },
        "median_hours_to_action": round(statistics.median(hours), 3) if hours else None,
        "reviewer_agreement": {
            p: {"accepted": a, "verdicts": n, "rate": round(a / n, 3)}
            for p, (a, n) in sorted(agreement.items())
        },
        "model_versions": {
            v: {
                "cases": s["cases"],
                "first_seen": s["first_seen"].isoformat(),
                "last_seen": s["last_seen"].isoformat(),
            }
            for v, s in versions.items()
        },
    }
