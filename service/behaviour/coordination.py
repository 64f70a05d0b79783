"""Coordinated posting: near-identical texts from many accounts in a short window.

Texts are normalised (homoglyphs, leetspeak, URLs and mentions folded) and
cut into character 5-gram shingles, so a campaign's small edits ("share
now!!" vs "share it now") stay near-duplicates while tweets that merely share
a topic do not. MinHash + LSH (datasketch) finds candidate pairs in
near-linear time; union-find groups them; a group is a campaign when at
least `min_accounts` distinct accounts posted into it within `window`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHash, MinHashLSH

from service.schemas.tweet import Tweet
from service.text.normalise import normalise

NUM_PERM = 64
SCHEME = "affine32"  # datasketch's default, named: stored signatures must be read back in it


@dataclass(frozen=True)
class Post:
    key: str  # tweet id
    account: str
    text: str
    posted_at: datetime
    signature: bytes | None = None  # `signature(text)`, when stored with the case


@dataclass(frozen=True)
class Campaign:
    posts: tuple[str, ...]  # tweet ids in the group
    accounts: int  # distinct accounts within the densest window
    window_start: datetime
    window_end: datetime
    example: str

    def describe(self) -> str:
        minutes = (self.window_end - self.window_start).total_seconds() / 60
        return (
            f"{self.accounts} accounts posted near-identical text within {minutes:.0f} minutes "
            f"({len(self.posts)} posts), e.g. “{self.example[:80]}”"
        )


@dataclass(frozen=True)
class CoordinationConfig:
    similarity: float = 0.6
    min_accounts: int = 10
    window: timedelta = timedelta(minutes=30)


def _minhash(text: str) -> MinHash:
    folded = normalise(text).lower()
    m = MinHash(num_perm=NUM_PERM, seed=7, scheme=SCHEME)
    m.update_batch([folded[i : i + 5].encode() for i in range(max(1, len(folded) - 4))])  # one numpy pass
    return m


def signature(text: str) -> bytes:
    """The text's MinHash as stored with its case (NUM_PERM uint64, 512 bytes),
    so later submissions compare against it without hashing the text again."""
    return bytes(_minhash(text).hashvalues.astype(np.uint64).tobytes())


def _of(post: Post) -> MinHash:
    if post.signature is None:
        return _minhash(post.text)
    values = np.frombuffer(post.signature, dtype=np.uint64)
    return MinHash(num_perm=NUM_PERM, seed=7, hashvalues=values, scheme=SCHEME)


def _groups(posts: list[Post], similarity: float) -> list[list[int]]:
    lsh = MinHashLSH(threshold=similarity, num_perm=NUM_PERM)
    hashes = [_of(p) for p in posts]
    parent = list(range(len(posts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hashes):
        for j in lsh.query(h):
            if hashes[int(j)].jaccard(h) >= similarity:
                parent[find(i)] = find(int(j))
        lsh.insert(str(i), h)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(posts)):
        groups[find(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _densest(posts: list[Post], window: timedelta) -> tuple[int, datetime, datetime]:
    """Most distinct accounts inside any window of the given length."""
    ordered = sorted(posts, key=lambda p: p.posted_at)
    best = (0, ordered[0].posted_at, ordered[0].posted_at)
    start = 0
    for end, post in enumerate(ordered):
        while post.posted_at - ordered[start].posted_at > window:
            start += 1
        accounts = len({p.account for p in ordered[start : end + 1]})
        if accounts > best[0]:
            best = (accounts, ordered[start].posted_at, post.posted_at)
    return best


def find_campaigns(posts: list[Post], config: CoordinationConfig | None = None) -> list[Campaign]:
    config = config or CoordinationConfig()
    if len({p.account for p in posts}) < config.min_accounts:
        return []  # too few accounts for any campaign: skip the hashing (most /v1/rank batches)
    campaigns = []
    for group in _groups(posts, config.similarity):
        members = [posts[i] for i in group]
        accounts, start, end = _densest(members, config.window)
        if accounts >= config.min_accounts:
            ids = tuple(p.key for p in members)
            campaigns.append(Campaign(ids, accounts, start, end, members[0].text))
    return sorted(campaigns, key=lambda c: -c.accounts)


def coordination_scores(posts: list[Post], config: CoordinationConfig | None = None) -> dict[str, Campaign]:
    """Tweet id → the campaign it belongs to, for every post in one."""
    return {key: c for c in find_campaigns(posts, config) for key in c.posts}


def posts_of(tweets: list[Tweet], now: datetime, signatures: list[bytes] | None = None) -> list[Post]:
    """Tweets as coordination sees them, with their signatures when the
    caller already computed them. A tweet without an author id or username is
    left out: coordination is about accounts, and counting each anonymous
    tweet as its own account would invent campaigns."""
    sigs: list[bytes | None] = list(signatures) if signatures is not None else [None] * len(tweets)
    return [
        Post(t.id, t.author.id or str(t.author.username), t.text, t.created_at or now, sig)
        for t, sig in zip(tweets, sigs, strict=True)
        if t.author.id or t.author.username
    ]
