"""Background labels, measured cheaply: a frozen-encoder comparison.

A full fine-tune per alternative costs 40 minutes on 2 CPU cores, so the
choice of how everyday tweets teach the heads is compared on frozen
all-MiniLM-L6-v2 embeddings with one logistic-regression head per variant,
identical but for the loss weight of the weak background labels:

- weight 0: everyday tweets teach nothing (the recipe before this change);
- weight 0.3: the shipped recipe;
- weight 1: implied labels count as much as an annotator's.

Each head is scored where users feel it: how often it fires (p >= 0.5) on
everyday validation tweets, and its macro F1 on annotated validation labels.
Run: `python -m training.compare_background` (about two minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from training.corpus import Example, build_corpus
from training.data import load_tokenizer, pad, subsample
from training.model import MultiHeadClassifier, base_model_dir
from training.operating import EVERYDAY_SOURCES
from training.train import english

WEIGHTS = (0.0, 0.3, 1.0)
HEADS = {"claim": ("no_claim", "claim"), "spam": ("not_spam", "spam"), "harm": ("not_harmful", "harmful")}


def embed(examples: list[Example]) -> np.ndarray:
    model = MultiHeadClassifier.from_base(None, "mean", 0.0).eval()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json", 96)
    out = []
    with torch.no_grad():
        for start in range(0, len(examples), 128):
            ids, mask = pad(
                [e.ids for e in tok.encode_batch([x.text for x in examples[start : start + 128]])]
            )
            t_ids, t_mask = torch.from_numpy(ids), torch.from_numpy(mask)
            hidden = model.encoder(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
            out.append(model.pool(hidden, t_mask).numpy())
    return np.concatenate(out)


def main(corpus_dir: Path = Path("../shared/data")) -> dict[str, object]:
    torch.set_num_threads(2)
    corpus = build_corpus(corpus_dir)
    train = subsample(english(corpus.split("train")), 12_000, seed=1)
    val = subsample(english(corpus.split("validation")), 6_000, seed=1)
    x_train, x_val = embed(train), embed(val)
    everyday = np.array([bool(EVERYDAY_SOURCES & set(e.sources)) for e in val])
    results: dict[str, object] = {}
    for head, labels in HEADS.items():
        known = [i for i, e in enumerate(train) if e.labels[head] is not None]
        y = np.array([labels.index(str(train[i].labels[head])) for i in known])
        strong_val = [i for i, e in enumerate(val) if e.labels[head] is not None and head not in e.weak]
        y_val = np.array([labels.index(str(val[i].labels[head])) for i in strong_val])
        for w in WEIGHTS:
            sample_weight = np.array([w if head in train[i].weak else 1.0 for i in known])
            keep = sample_weight > 0
            clf = LogisticRegression(max_iter=2000, class_weight="balanced")
            clf.fit(x_train[known][keep], y[keep], sample_weight=sample_weight[keep])
            p = clf.predict_proba(x_val)[:, 1]
            results[f"{head} weight {w}"] = {
                "fires_on_everyday": round(float((p[everyday] >= 0.5).mean()), 4),
                "macro_f1_annotated": round(float(f1_score(y_val, p[strong_val] >= 0.5, average="macro")), 4),
                "n_annotated": len(strong_val),
                "n_everyday": int(everyday.sum()),
            }
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
