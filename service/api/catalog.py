"""GET /v1/model and /v1/policies: what the service runs, for audits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.auth import ANY_KEY
from service.api.deps import AssessorDep

router = APIRouter(prefix="/v1", tags=["catalog"], dependencies=[ANY_KEY])


@router.get("/model")
def model(assessor: AssessorDep) -> dict[str, Any]:
    """The English model at the top level (as before languages), every
    language's model under `languages`, and where each language goes under `routes`."""
    card = assessor.model.card
    extra = card.model_extra or {}
    return {
        "routes": {**{k: v.value for k, v in assessor.routes.items()}, "*": "human_review"},
        "languages": {
            lang: {
                "route": f"model:{lang}",
                "version": lane.served.model.card.version,
                "kind": lane.served.model.card.kind,
                "base_model": lane.served.model.card.base_model,
                "heads": [h.model_dump() for h in lane.served.model.card.heads],
                "signal_map": lane.served.model.card.signal_map,
                "policies": lane.served.policy_versions,
                "metrics": lane.served.model.card.metrics,
            }
            for lang, lane in assessor.lanes.items()
        },
        "version": card.version,
        "created_at": card.created_at,
        "base_model": card.base_model,
        "max_length": card.max_length,
        "heads": [h.model_dump() for h in card.heads],
        "metrics": card.metrics,
        "operating_points": {k: v.model_dump() for k, v in card.operating_points.items()},
        "traffic": extra.get("traffic"),
        "quantization": extra.get("quantization", {}).get("chosen"),
        "licenses": {k: v["license"] for k, v in extra.get("data", {}).get("sources", {}).items()},
    }


@router.get("/policies")
def policies(assessor: AssessorDep) -> dict[str, Any]:
    return {"policies": [p.model_dump(mode="json") | {"ref": p.ref} for p in assessor.all_policies]}
