"""How order targets and tweets are normalised so that they meet.

Accounts match by id or by username (case-insensitive, without "@"),
hashtags case-insensitively without "#", URLs without scheme, "www.",
query-free trailing slash or case in the host.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

from service.schemas.tweet import Tweet

_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


class TargetKind(StrEnum):
    account = "account"
    tweet = "tweet"
    hashtag = "hashtag"
    url = "url"


def normalise_target(kind: TargetKind, value: str) -> str:
    value = value.strip()
    if kind is TargetKind.account:
        return value.lstrip("@").lower()
    if kind is TargetKind.hashtag:
        return value.lstrip("#").casefold()
    if kind is TargetKind.url:
        return normalise_url(value)
    return value


def normalise_url(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def tweet_keys(tweet: Tweet) -> set[tuple[TargetKind, str]]:
    """Every (kind, normalised value) a legal order could name in this tweet."""
    keys = {(TargetKind.tweet, tweet.id)}
    if tweet.author.id:
        keys.add((TargetKind.account, tweet.author.id.lower()))
    if tweet.author.username:
        keys.add((TargetKind.account, tweet.author.username.lstrip("@").lower()))
    tags = [*tweet.entities.hashtags, *_HASHTAG.findall(tweet.text)]
    keys |= {(TargetKind.hashtag, normalise_target(TargetKind.hashtag, t)) for t in tags}
    urls = [*tweet.entities.urls, *_URL.findall(tweet.text)]
    keys |= {(TargetKind.url, normalise_url(u)) for u in urls}
    return keys
