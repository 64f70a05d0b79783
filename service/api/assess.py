"""POST /v1/assess and /v1/rank: thin routes over the Assessor."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from service.api.deps import AssessorDep, MetricsDep, SettingsDep
from service.schemas.assessment import Assessment, RankResponse
from service.schemas.tweet import RankRequest, Tweet
from service.settings import Settings

router = APIRouter(prefix="/v1", tags=["scoring"])


def _check_lengths(tweets: list[Tweet], settings: Settings, prefix: tuple[str | int, ...]) -> None:
    errors = [
        {
            "loc": ["body", *prefix, i, "text"] if prefix else ["body", "text"],
            "msg": f"text is {len(t.text)} characters; the limit is {settings.max_text_chars} "
            "(HARMLABEL_MAX_TEXT_CHARS)",
            "type": "string_too_long",
        }
        for i, t in enumerate(tweets)
        if len(t.text) > settings.max_text_chars
    ]
    if errors:
        raise HTTPException(status_code=422, detail=errors)


@router.post("/assess")
async def assess(
    tweet: Tweet,
    assessor: AssessorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    spans: bool = Query(True, description="Highlighted spans by word occlusion."),
) -> Assessment:
    _check_lengths([tweet], settings, ())
    [result] = await run_in_threadpool(assessor.assess, [tweet], spans)
    metrics.observe_assessments([result])
    return result


@router.post("/rank")
async def rank(
    body: RankRequest, assessor: AssessorDep, settings: SettingsDep, metrics: MetricsDep
) -> RankResponse:
    if len(body.tweets) > settings.max_batch:
        raise HTTPException(
            status_code=413,
            detail=[
                {
                    "loc": ["body", "tweets"],
                    "msg": f"{len(body.tweets)} tweets; at most {settings.max_batch} per call "
                    "(HARMLABEL_MAX_BATCH)",
                    "type": "too_long",
                }
            ],
        )
    _check_lengths(body.tweets, settings, ("tweets",))
    ranked = await run_in_threadpool(assessor.rank, body.tweets, body.spans)
    metrics.observe_assessments(ranked)
    return RankResponse(
        assessments=ranked,
        model_version=assessor.model.version,
        policy_versions=assessor.policy_versions,
        count=len(ranked),
    )
