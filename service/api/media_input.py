"""Validate and decode every attachment of a request before any scoring.

All bad items are reported at once, each by its location in the body
(`tweets[2].media[0].data`), with a 422 or, for an oversized file, a 413.
Nothing is scored until every attachment is good, so a client never gets a
half-assessed batch.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from service.media.analyser import PreparedMedia
from service.media.decode import DecodeLimits, MediaDecodeError, MediaTooLargeError, decode_image
from service.schemas.media import MediaType
from service.schemas.tweet import Tweet
from service.settings import Settings


def prepare_media(
    tweets: list[Tweet], settings: Settings, prefix: tuple[str | int, ...]
) -> list[list[PreparedMedia]]:
    bounds = DecodeLimits.from_settings(settings)
    errors: list[dict[str, Any]] = []
    too_large = 0  # errors that are oversized files: all of them → 413
    prepared: list[list[PreparedMedia]] = []
    for t_index, tweet in enumerate(tweets):
        at: tuple[str | int, ...] = (*prefix, t_index) if prefix else ()
        if len(tweet.media) > settings.media_max_items:
            errors.append(
                {
                    "loc": ["body", *at, "media"],
                    "msg": f"{len(tweet.media)} media items; at most {settings.media_max_items} "
                    "(HARMLABEL_MEDIA_MAX_ITEMS)",
                    "type": "too_long",
                }
            )
            prepared.append([])
            continue
        items = []
        for m_index, item in enumerate(tweet.media):
            image = None
            if item.data is not None and item.type is not MediaType.video:
                try:
                    image = decode_image(item.data, bounds)
                except MediaDecodeError as exc:
                    too_large += isinstance(exc, MediaTooLargeError)
                    key = f" ({item.media_key})" if item.media_key else ""
                    errors.append(
                        {
                            "loc": ["body", *at, "media", m_index, "data"],
                            "msg": f"media item {m_index}{key}: {exc}",
                            "type": "media_rejected",
                        }
                    )
            items.append(PreparedMedia(item, image))
        prepared.append(items)
    if errors:
        raise HTTPException(status_code=413 if too_large == len(errors) else 422, detail=errors)
    return prepared
