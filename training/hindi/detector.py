"""Train the romanised-Hindi ("Hinglish") detector the language router uses.

langid knows no `hi-Latn`: it calls romanised Hindi English, Indonesian or
Tagalog, and the English model then scores text it cannot read. The
detector is a character n-gram logistic regression: romanised Hindi against
English tweets. No labelled romanised Hindi exists offline, so the positives
are the Hindi training posts romanised the way people type them
(`romanise`, several spellings each, whole posts and fragments); the
negatives are the corpus's English training tweets, everyday and slang
included; all of them without the URL/@USER placeholders, as the router
sees text. Its threshold keeps English false positives at `max_english_fp` on
train-split tweets held out of fitting; the card reports the rate on the
English validation split. Hand-written and real code-mixed probes are in
tests/test_language.py.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnx
from sklearn.linear_model import LogisticRegression

from service.inference.card import CARD_FILE, sha256_file
from service.text.language import langid_raw, strip_placeholders
from service.text.romanised import MIN_WORDS, long_enough, worth_checking
from training.corpus import build_corpus
from training.hindi import data, linear
from training.hindi.romanise import romanise

BLOCKS = (("char_wb", 1, 4),)
MAX_ENGLISH = 45000  # negatives fitted (the rest of the train split picks the threshold)
CALIBRATION_SHARE = 0.15


def _english(corpus_dir: Path, split: str) -> list[str]:
    """The corpus's English texts of one split (normalised), every source:
    everyday TweetEval, slang-heavy Davidson and spam included, so that
    short, informal English is not taken for Hinglish."""
    examples = build_corpus(corpus_dir).split(split)
    return [t for e in examples if e.lang == "en" and (t := strip_placeholders(e.text)).strip()]


def _romanised(texts: list[str], rng: random.Random) -> list[str]:
    """Two spellings of each post, and a fragment of 3–10 words of each (tweets are short)."""
    out = []
    for text in texts:
        out += [romanise(text, rng), romanise(text, rng)]
        words = romanise(text, rng).split()
        if len(words) > 4:
            start = rng.randrange(0, max(1, len(words) - 3))
            out.append(" ".join(words[start : start + rng.randint(3, 10)]))
    return [t for t in out if any(c.isalpha() and c.isascii() for c in t)]


def train_detector(
    corpus_dir: Path,
    out_dir: Path,
    version: str = "",
    max_english_fp: float = 0.001,
    limit: int | None = None,
) -> Path:
    rng = random.Random(0)
    hindi = [strip_placeholders(t) for t in data.load(corpus_dir, "train", limit).texts]
    positives = _romanised(hindi, rng)
    english = _english(corpus_dir, "train")
    rng.shuffle(english)
    english = english[: limit or MAX_ENGLISH + int(MAX_ENGLISH * CALIBRATION_SHARE)]
    cut = int(len(english) * (1 - CALIBRATION_SHARE))
    negatives, calibration = english[:cut], english[cut:]
    texts, y = positives + negatives, np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    vecs = linear.vectorizers(BLOCKS, min_df=3)
    for v in vecs:
        v.set_params(max_features=40000)
    x = linear.fit_features(texts, vecs)
    clf = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced").fit(x, y)

    def claimed(texts: list[str]) -> np.ndarray:
        """P(romanised Hindi), 0 where the serving gate would not ask the detector."""
        p = np.asarray(clf.predict_proba(linear.transform(texts, vecs))[:, 1])
        gate = [long_enough(t) and worth_checking(t, langid_raw(t)) for t in texts]
        out: np.ndarray = p * np.array(gate)
        return out

    threshold = max(0.5, float(np.quantile(claimed(calibration), 1 - max_english_fp)))
    held_english = _english(corpus_dir, "validation")[: limit or None]
    held = [strip_placeholders(t) for t in data.load(corpus_dir, "validation", limit).texts]
    held_hindi = _romanised(held, random.Random(1))
    p_en, p_hi = claimed(held_english), claimed(held_hindi)
    metrics = {
        "threshold": round(threshold, 4),
        "min_words": MIN_WORDS,
        "english_validation": {
            "texts": len(held_english),
            "false_positive_rate": round(float((p_en >= threshold).mean()), 4),
        },
        "romanised_validation": {
            "texts": len(held_hindi),
            "recall": round(float((p_hi >= threshold).mean()), 4),
        },
    }
    version = version or f"hinglish-detector-{datetime.now(UTC):%Y%m%d}"
    out_dir.mkdir(parents=True, exist_ok=True)
    weights, bias = clf.coef_.T, clf.intercept_
    onnx.save(linear.graph(weights, bias, ("hi_latn",), (None,)), out_dir / "model.onnx")
    linear.featurizer(vecs).save(out_dir)
    card = {
        "version": version,
        "kind": "ngram",
        "language": "hi-Latn",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_model": "none: character 1–4-gram TF-IDF, logistic regression (scikit-learn)",
        "max_length": 512,
        "heads": [
            {
                "name": "hi_latn",
                "labels": ["other", "hi_latn"],
                "negative_label": "other",
                "temperature": 1.0,
                "threshold": round(threshold, 4),
            }
        ],
        "files": {n: sha256_file(out_dir / n) for n in ("model.onnx", "features.json")},
        "metrics": metrics,
        "training": {"positives": len(positives), "negatives": len(negatives), "features": int(x.shape[1])},
        "data": {
            "sources": {
                "constraint_hindi (romanised)": {"license": data.LICENSE},
                "tweeteval, olid, constraint_en, checkthat 1B": {"license": "see the data README"},
            }
        },
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(metrics))
    return out_dir
