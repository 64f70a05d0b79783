"""POST /v1/trends/screen: allow or exclude candidate hashtags and terms."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from service.api.assess import check_lengths
from service.api.auth import ANY_KEY
from service.api.deps import AssessorDep, SettingsDep
from service.pipeline.intake import coordination_config
from service.pipeline.trends import screen
from service.schemas.legal import TrendsRequest, TrendsResponse

router = APIRouter(prefix="/v1/trends", tags=["trends"], dependencies=[ANY_KEY])


@router.post("/screen")
async def screen_trends(body: TrendsRequest, assessor: AssessorDep, settings: SettingsDep) -> TrendsResponse:
    for i, c in enumerate(body.candidates):
        check_lengths(c.tweets, settings, ("candidates", i, "tweets"))
    config = coordination_config(settings)
    decisions = [await run_in_threadpool(screen, assessor, c, config) for c in body.candidates]
    return TrendsResponse(decisions=decisions, model_version=assessor.model.version)
