"""The decision tables that are not a policy's cells (language support,
legal-order severities, Trends thresholds), as validated data.

They used to be constants in Python. As data beside the policies they are
versioned and reviewed the same way, and a typo fails at start-up: the
model forbids unknown keys, names actions from the policy schema's enum and
bounds every share and severity to [0, 1].
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.policy.schema import Action, PolicyError

TABLES = Path(__file__).resolve().parent / "tables.yaml"
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageSupport(_Strict):
    policy: Annotated[str, Field(pattern=r"^[a-z_]+@[0-9A-Za-z.\-]+$")]
    severity: Unit


class LegalOrders(_Strict):
    withhold_severity: Unit
    review_severity: Unit


class SearchExclusion(_Strict):
    severe_share: Unit
    label_grade_share: Unit


class TrendsExclusion(_Strict):
    label_grade_share: Unit
    coordinated_share: Unit


class Trends(_Strict):
    label_grade_actions: frozenset[Action]
    severe_at: Unit
    exclude_from_search_suggestions: SearchExclusion
    exclude_from_trends: TrendsExclusion


class Tables(_Strict):
    language_support: LanguageSupport
    legal_orders: LegalOrders
    trends: Trends


def load_tables(path: Path = TABLES) -> Tables:
    try:
        return Tables.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path.name}: {exc}") from None


DECISIONS = load_tables()  # at import, so at start-up
