"""POST /v1/assess and /v1/rank: thin routes over the Assessor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from pydantic import ValidationError

from service.api.auth import ANY_KEY
from service.api.deps import AdmissionDep, AssessorDep, MetricsDep, ScoringPoolDep, SettingsDep
from service.api.media_input import prepare_media
from service.behaviour.coordination import coordination_scores, posts_of
from service.pipeline.intake import coordination_config
from service.schemas.assessment import Assessment, RankResponse
from service.schemas.media import MediaItem, MediaType
from service.schemas.tweet import RankRequest, Tweet
from service.settings import Settings

ViewerCountry = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z]{2}$", description="The viewer's country (from their IP): is it withheld for them?"
    ),
]


router = APIRouter(prefix="/v1", tags=["scoring"], dependencies=[ANY_KEY])


def check_lengths(tweets: list[Tweet], settings: Settings, prefix: tuple[str | int, ...]) -> None:
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


OVERLOAD: dict[int | str, dict[str, Any]] = {
    503: {"description": "Over capacity or past the deadline; retry after `Retry-After` seconds."}
}


@router.post("/assess", responses=OVERLOAD)
async def assess(
    tweet: Tweet,
    assessor: AssessorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    admission: AdmissionDep,
    pool: ScoringPoolDep,
    spans: bool = Query(True, description="Highlighted spans by word occlusion."),
    viewer_country: ViewerCountry = None,
) -> Assessment:
    check_lengths([tweet], settings, ())
    with admission.admit(1) as ticket:

        def work() -> list[Assessment]:  # one hop to the thread pool, not two
            media = prepare_media([tweet], settings, ())
            return assessor.assess(
                [tweet], spans=spans, media=media, viewer_country=viewer_country, deadline=ticket.deadline
            )

        [result] = await pool.run(work)
    metrics.observe_assessments([result])
    return result


@router.post("/assess/multipart", responses=OVERLOAD)
async def assess_multipart(
    tweet: Annotated[str, Form(description="The tweet as JSON, without media data.")],
    assessor: AssessorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    admission: AdmissionDep,
    pool: ScoringPoolDep,
    media: Annotated[list[UploadFile] | None, File(description="Image files, in order.")] = None,
    spans: bool = Query(True, description="Highlighted spans by word occlusion."),
    viewer_country: ViewerCountry = None,
) -> Assessment:
    """The same as /v1/assess, with images sent as files rather than base64."""
    try:
        parsed = Tweet.model_validate_json(tweet)
    except ValidationError as exc:
        errors = [{**e, "loc": ["body", "tweet", *e["loc"]]} for e in exc.errors(include_url=False)]
        raise HTTPException(422, [{k: v for k, v in e.items() if k != "ctx"} for e in errors]) from None
    items = list(parsed.media)
    for i, upload in enumerate(media or []):
        data = await upload.read(settings.media_max_bytes + 1)
        kind = (upload.content_type or "").lower()
        mtype = MediaType.video if kind.startswith("video/") else MediaType.photo
        if kind == "image/gif":
            mtype = MediaType.animated_gif
        items.append(MediaItem(type=mtype, data=data, media_key=upload.filename or f"file{i}"))
    parsed = parsed.model_copy(update={"media": items})
    return await assess(parsed, assessor, settings, metrics, admission, pool, spans, viewer_country)


@router.post("/rank", responses=OVERLOAD)
async def rank(
    body: RankRequest,
    assessor: AssessorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    admission: AdmissionDep,
    pool: ScoringPoolDep,
    viewer_country: ViewerCountry = None,
) -> RankResponse:
    """Rank a batch; coordinated posting is detected within the batch."""
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
    check_lengths(body.tweets, settings, ("tweets",))
    with admission.admit(len(body.tweets)) as ticket:

        def work() -> list[Assessment]:
            media = prepare_media(body.tweets, settings, ("tweets",))
            campaigns = coordination_scores(
                posts_of(body.tweets, datetime.now(UTC)), coordination_config(settings)
            )
            return assessor.rank(
                body.tweets,
                spans=body.spans,
                media=media,
                campaigns=campaigns,
                viewer_country=viewer_country,
                deadline=ticket.deadline,
            )

        ranked = await pool.run(work)
    metrics.observe_assessments(ranked)
    english = next((a for a in ranked if a.route == "model:en"), None)  # the version these scores came from
    return RankResponse(
        assessments=ranked,
        model_version=(english.model_version or "") if english else assessor.model.version,
        policy_versions=english.policy_versions if english else assessor.policy_versions,
        count=len(ranked),
    )
