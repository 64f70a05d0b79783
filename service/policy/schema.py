"""Policies as validated data.

A policy is a decision table over a few *dimensions*. Each dimension turns
signals (calibrated head probabilities, media and behaviour facts, or the
actions of earlier policies) into one level: its levels are tried in order and
the first whose conditions all hold wins; the last level has no conditions, so
every tweet gets one. Every combination of levels must have exactly one rule,
so a table can never fall through. Everything is checked at start-up against
the signals the loaded model actually produces.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Action(StrEnum):
    label = "label"
    warning_interstitial = "warning_interstitial"
    reduce_visibility = "reduce_visibility"
    exclude_from_trends = "exclude_from_trends"
    exclude_from_search_suggestions = "exclude_from_search_suggestions"
    escalate_for_removal_review = "escalate_for_removal_review"
    withhold_in_country = "withhold_in_country"
    legal_review = "legal_review"
    needs_human_review = "needs_human_review"
    no_action = "no_action"


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: str
    # A number, or "model_threshold": the risk threshold the model card tuned
    # for this head, resolved at load time so a retrained model brings its own.
    min: float | Literal["model_threshold"] | None = None
    max: float | Literal["model_threshold"] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if (self.min is None) == (self.max is None):
            raise ValueError(f"condition on {self.signal!r} needs exactly one of min or max")
        for bound in (self.min, self.max):
            if isinstance(bound, float | int) and not 0 <= bound <= 1:
                raise ValueError(f"condition on {self.signal!r}: bound {bound} is outside [0, 1]")
        return self

    def holds(self, signals: dict[str, float]) -> bool:
        value = signals[self.signal]
        if isinstance(self.min, float | int):
            return value >= self.min
        if isinstance(self.max, float | int):
            return value < self.max
        raise RuntimeError(f"condition on {self.signal!r} was not resolved against the model card")

    def resolve(self, thresholds: dict[str, float]) -> Condition:
        if "model_threshold" not in (self.min, self.max):
            return self
        if self.signal not in thresholds:
            raise ValueError(
                f"{self.signal!r} has no model threshold; thresholded signals: {sorted(thresholds)}"
            )
        bound = round(thresholds[self.signal], 4)
        return self.model_copy(update={"min" if self.min is not None else "max": bound})


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: str
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    confidence: str | None = Field(None, description="Signal read as this level's confidence.")
    reason: str = ""

    def matches(self, signals: dict[str, float]) -> bool:
        return all(c.holds(signals) for c in self.all) and (
            not self.any or any(c.holds(signals) for c in self.any)
        )

    @property
    def is_default(self) -> bool:
        return not self.all and not self.any


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    levels: tuple[Level, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_last(self) -> Dimension:
        if not self.levels[-1].is_default:
            raise ValueError(f"dimension {self.name!r}: the last level must have no conditions (the default)")
        if any(lv.is_default for lv in self.levels[:-1]):
            raise ValueError(f"dimension {self.name!r}: only the last level may be unconditional")
        names = [lv.level for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"dimension {self.name!r}: duplicate levels {names}")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cell: str
    when: dict[str, str] = Field(description="Dimension -> level, or '*' for any level.")
    actions: tuple[Action, ...] = Field(min_length=1)
    severity: float = Field(ge=0, le=1)
    label_text: str | None = None
    label_text_for: tuple[str, ...] | None = Field(
        None,
        description="Languages the label text fits (the COVID-19 texts: en); elsewhere the cell keeps its "
        "action and the reviewer writes the label. None: every language.",
    )
    note: str = ""


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str
    summary: str
    source: str
    source_confidence: str = Field(pattern="^(verbatim|secondary|mixed)$")
    stage: int = Field(1, ge=1, le=2, description="Stage-2 policies read stage-1 actions (action.* signals).")
    languages: tuple[str, ...] | None = Field(
        None, description="The language routes this policy applies to (en, hi); none given: every route."
    )
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @model_validator(mode="after")
    def _table_is_complete(self) -> Policy:
        dims = {d.name: [lv.level for lv in d.levels] for d in self.dimensions}
        for rule in self.rules:
            if set(rule.when) != set(dims):
                raise ValueError(f"rule {rule.cell!r} must name every dimension {sorted(dims)}")
            for dim, level in rule.when.items():
                if level != "*" and level not in dims[dim]:
                    raise ValueError(f"rule {rule.cell!r}: {dim}={level!r} is not one of {dims[dim]}")
        for combo in itertools.product(*dims.values()):
            point = dict(zip(dims, combo, strict=True))
            hits = [r.cell for r in self.rules if all(lv in ("*", point[d]) for d, lv in r.when.items())]
            if len(hits) != 1:
                where = ", ".join(f"{d}={lv}" for d, lv in point.items())
                problem = "no rule" if not hits else f"{len(hits)} rules ({', '.join(hits)})"
                raise ValueError(f"decision table has {problem} for {where}")
        return self

    def signals_used(self) -> set[str]:
        used = set()
        for d in self.dimensions:
            for lv in d.levels:
                used |= {c.signal for c in (*lv.all, *lv.any)}
                if lv.confidence:
                    used.add(lv.confidence)
        return used


class PolicyError(RuntimeError):
    """A policy file is invalid; the message names the file and the problem."""


def parse_policy(path: Path) -> Policy:
    try:
        return Policy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path.name}: {exc}") from None


def load_policy(path: Path, known_signals: set[str], thresholds: dict[str, float] | None = None) -> Policy:
    return _checked(path, parse_policy(path), known_signals, thresholds)


def _checked(
    path: Path, policy: Policy, known_signals: set[str], thresholds: dict[str, float] | None
) -> Policy:
    unknown = policy.signals_used() - known_signals
    if unknown:
        raise PolicyError(f"{path.name}: unknown signals {sorted(unknown)}; known: {sorted(known_signals)}")
    try:
        return _resolve(policy, thresholds or {})
    except ValueError as exc:
        raise PolicyError(f"{path.name}: {exc}") from None


def _resolve(policy: Policy, thresholds: dict[str, float]) -> Policy:
    dims = tuple(
        d.model_copy(
            update={
                "levels": tuple(
                    lv.model_copy(
                        update={
                            "all": tuple(c.resolve(thresholds) for c in lv.all),
                            "any": tuple(c.resolve(thresholds) for c in lv.any),
                        }
                    )
                    for lv in d.levels
                )
            }
        )
        for d in policy.dimensions
    )
    return policy.model_copy(update={"dimensions": dims})


def load_policies(
    folder: Path, known_signals: set[str], thresholds: dict[str, float] | None = None, language: str = "en"
) -> list[Policy]:
    """The policies that apply to `language`, each checked against
    `known_signals` (for a language whose model maps its signals onto the
    English vocabulary: the signals of every served model) and resolved
    against `thresholds`. Every file must parse, whatever its language."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PolicyError(f"{folder}: no policy files")
    parsed = [(f, parse_policy(f)) for f in files]
    policies = [
        _for_language(_checked(f, p, known_signals | _action_signals(), thresholds), language)
        for f, p in parsed
        if p.languages is None or language in p.languages
    ]
    ids = [p.id for _, p in parsed]
    if len(set(ids)) != len(ids):
        raise PolicyError(f"duplicate policy ids in {folder}: {ids}")
    for p in policies:
        if p.stage == 1 and any(s.startswith("action.") for s in p.signals_used()):
            raise PolicyError(f"{p.id}: only stage-2 policies may read action.* signals")
    return policies


def _for_language(policy: Policy, language: str) -> Policy:
    """Drop label texts written for other languages' traffic."""
    rules = tuple(
        r.model_copy(update={"label_text": None})
        if r.label_text_for is not None and language not in r.label_text_for
        else r
        for r in policy.rules
    )
    return policy.model_copy(update={"rules": rules})


def _action_signals() -> set[str]:
    return {f"action.{a.value}" for a in Action}
