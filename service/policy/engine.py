"""The policy engine: signals in, recommendations out. Pure, no I/O.

Persistence, HTTP and the model live around it, so the same table can be
replayed offline on stored signals for an audit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from service.policy.schema import Action, Dimension, Level, Policy

DECISION = "suggested — pending human review"
REDRESS = (
    "internal complaint-handling system (DSA Art. 20)",
    "out-of-court dispute settlement (DSA Art. 21)",
    "judicial redress before the competent court",
)


class StatementOfReasons(BaseModel):
    """The fields DSA Art. 17 requires for every restriction, demotion included."""

    model_config = ConfigDict(frozen=True)

    restriction: str
    territorial_scope: str
    duration: str
    facts_and_circumstances: str
    automated_detection: bool
    automated_decision: bool
    decision: str
    ground: str
    ground_type: str
    redress: list[str]


Evidence = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Recommendation:
    action: Action
    label_text: str | None
    policy: str  # id@version
    cell: str
    severity: float
    confidence: float
    reasons: tuple[str, ...]
    levels: dict[str, str]
    drivers: tuple[str, ...]  # the signals behind the fired levels, strongest first
    statement_of_reasons: StatementOfReasons | None


@dataclass(slots=True)
class Decision:
    """Everything one policy concluded for one tweet."""

    policy: Policy
    cell: str
    levels: dict[str, str]
    recommendations: list[Recommendation] = field(default_factory=list)


def _level(dim: Dimension, signals: dict[str, float]) -> Level:
    return next(lv for lv in dim.levels if lv.matches(signals))


def _confidence_signal(level: Level, signals: dict[str, float] | None = None) -> str | None:
    """The signal that measures how sure a level is: the declared one, else
    the strongest `any` condition that holds, else the first lower-bounded
    `all` condition."""
    if level.confidence:
        return level.confidence
    if level.any and signals is not None:
        held = [c for c in level.any if c.min is not None and c.holds(signals)]
        if held:
            return max(held, key=lambda c: signals[c.signal]).signal
    bounded = [c for c in (*level.all, *level.any) if c.min is not None]
    return bounded[0].signal if bounded else None


def _describe(level: Level, signals: dict[str, float], evidence: Evidence) -> str:
    parts: list[str] = []
    facts: list[str] = []
    held_any = [c for c in level.any if c.holds(signals)]  # only the alternatives that held
    for c in (*level.all, *held_any):
        op, bound = (">=", c.min) if c.min is not None else ("<", c.max)
        parts.append(f"{c.signal}={signals[c.signal]:.2f} {op} {bound:.2f}")
        if not level.is_default:
            facts.extend(evidence.get(c.signal, ()))
    detail = f" ({'; '.join(parts)})" if parts else ""
    found = f": {'; '.join(facts)}" if facts else ""
    return f"{level.reason or level.level}{detail}{found}"


def decide(policy: Policy, signals: dict[str, float], evidence: Evidence | None = None) -> Decision:
    """`evidence` maps a signal to the facts behind its value (a bank match's
    note, an EXIF date), quoted in the reasons wherever that signal fired."""
    levels = {d.name: _level(d, signals) for d in policy.dimensions}
    chosen = {name: lv.level for name, lv in levels.items()}
    rule = next(r for r in policy.rules if all(v in ("*", chosen[d]) for d, v in r.when.items()))
    fired = [lv for lv in levels.values() if not lv.is_default]
    if fired:
        confidence = min(signals[s] for lv in fired if (s := _confidence_signal(lv, signals)))
    else:
        # Nothing fired: confident to the extent no level came close.
        rivals = [
            signals[s]
            for d in policy.dimensions
            for lv in d.levels
            if not lv.is_default and (s := _confidence_signal(lv))
        ]
        confidence = 1.0 - max(rivals, default=0.0)
    reasons = tuple(f"{name}: {_describe(lv, signals, evidence or {})}" for name, lv in levels.items())
    decision = Decision(policy, rule.cell, chosen)
    for action in rule.actions:
        sor = None
        if action is not Action.no_action:
            sor = StatementOfReasons(
                restriction=action.value,
                territorial_scope="global",
                duration="until a reviewer decides, or the content changes",
                facts_and_circumstances="; ".join(reasons),
                automated_detection=True,
                automated_decision=False,
                decision=DECISION,
                ground=f"{policy.title} ({policy.ref}, cell {rule.cell})",
                ground_type="terms_of_service",
                redress=list(REDRESS),
            )
        decision.recommendations.append(
            Recommendation(
                action=action,
                label_text=rule.label_text,
                policy=policy.ref,
                cell=rule.cell,
                severity=rule.severity if action is not Action.no_action else 0.0,
                confidence=round(float(confidence), 4),
                reasons=reasons,
                levels=chosen,
                drivers=tuple(s for lv in fired if (s := _confidence_signal(lv, signals))),
                statement_of_reasons=sor,
            )
        )
    return decision


def evaluate(
    policies: list[Policy], signals: dict[str, float], evidence: Evidence | None = None
) -> list[Decision]:
    """Stage-1 policies first; stage-2 policies then see their actions as
    `action.<name>` signals (1.0 when any stage-1 policy recommended it)."""
    first = [decide(p, signals, evidence) for p in policies if p.stage == 1]
    taken = {r.action for d in first for r in d.recommendations}
    extended = {**signals, **{f"action.{a.value}": float(a in taken) for a in Action}}
    return first + [decide(p, extended, evidence) for p in policies if p.stage == 2]
