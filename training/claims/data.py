"""The CheckThat! 2022 Task 2A English pairs: tweets, the Snopes fact-check
that covers each, and the 14,231 fact-checks themselves."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

FOLDER = "checkthat2022_2a_claim_retrieval_en"


@dataclass(frozen=True)
class Pair:
    tweet_id: str
    tweet: str
    claim_id: str


def vclaims(corpus_dir: Path) -> list[dict[str, str]]:
    path = corpus_dir / FOLDER / "vclaims.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pairs(corpus_dir: Path, split: str) -> list[Pair]:
    """`split`: "train" or "dev"."""
    folder = corpus_dir / FOLDER
    with (folder / "CT2022-Task2A-EN-Train-Dev_Queries.tsv").open(encoding="utf-8") as fh:
        tweets = {row[0]: row[1] for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if row}
    name = {"train": "Train", "dev": "Dev"}[split]
    out = []
    with (folder / f"CT2022-Task2A-EN-{name}_QRELs.tsv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if row and row[0] in tweets:
                out.append(Pair(row[0], tweets[row[0]], row[2]))
    return out


def everyday(corpus_dir: Path, split: str) -> list[str]:
    """TweetEval's ordinary tweets (emoji, emotion, irony, sentiment) of a split
    ("train" or "val"): what a match must leave alone."""
    out: list[str] = []
    for task in ("emoji", "emotion", "irony", "sentiment"):
        path = corpus_dir / "tweeteval" / task / f"{split}_text.txt"
        if path.is_file():
            out += [t.strip() for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    return out
