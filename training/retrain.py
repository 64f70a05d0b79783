"""`harmlabel retrain`: the served model, fine-tuned on reviewer feedback.

Reading order:
1. start from the weights that are served (recovered from the current ONNX
   artifact, `training/recover.py`);
2. collect every decision made since the lineage's base model was created
   (cumulative: a round keeps what earlier rounds were taught) and split off a
   hold-out of them by a hash of the text, stable across rounds;
3. fine-tune on the rest plus a replay sample of the base corpus, so the
   model learns the new narrative without forgetting the old ones;
4. export a candidate `models/<version>/` (calibrated, quantized,
   parity-checked, like any export);
5. judge it (`training/gate.py`), write what changed into its card, log the
   gate decision in the store and, if it passed, promote it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from service.inference.card import load_card, resolve_current
from service.store import model_events
from service.store.db import Database
from training.config import TrainConfig
from training.corpus import Example, build_corpus
from training.corpus.heads import HEADS
from training.data import bucketed_batches, class_weights, encode, label_matrix, load_tokenizer, subsample
from training.export import export_model
from training.feedback import Feedback, collect
from training.gate import GateResult, judge
from training.gate_traffic import TrafficCheck
from training.model import MultiHeadClassifier, base_model_dir
from training.recipe_search import Parent
from training.recover import load_from_artifact
from training.registry import promote
from training.schedule import make_optimizer, warmup_then_decay
from training.traffic_eval import DEFAULT_POLICIES
from training.train import english, train_step


@dataclass(frozen=True)
class RetrainOptions:
    epochs: float = 2
    lr: float | None = None  # None: the parent recipe's rate × LR_SCALE
    head_lr: float | None = None
    batch_size: int = 32
    replay_ratio: float = 3.0  # base-corpus examples per feedback example
    holdout_fraction: float = 0.2
    margin: float = 0.01  # a significant drop of a head's validation macro F1 beyond this refuses
    traffic_per_slice: int = 300  # traffic check sample per slice; 0: no traffic check
    min_examples: int = 20  # fewer feedback examples than this: no retraining
    max_eval_examples: int | None = None  # None: the parent's own validation sample
    seed: int = 13
    threads: int | None = None


# Continued fine-tuning of converged weights at the first run's rates moved
# every head (measured on the full model, `harmlabel bench retrain`: harm_type
# −12 points, claim −3, the gate refused); a fifth of them is the default.
LR_SCALE = 0.2


class NotEnoughFeedbackError(RuntimeError):
    """Too few labelled decisions since the current model to retrain on."""


@dataclass
class RetrainResult:
    parent: str
    candidate: Path
    gate: GateResult
    promoted: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def retrain(
    models_dir: Path,
    corpus_dir: Path,
    db: Database,
    options: RetrainOptions = RetrainOptions(),
    since: dt.datetime | None = None,
    version: str = "",
    auto_promote: bool = True,
    actor: str = "harmlabel retrain",
) -> RetrainResult:
    started = time.monotonic()
    parent_dir = resolve_current(models_dir)
    parent = load_card(parent_dir)
    if version and (models_dir / version).exists():
        raise FileExistsError(f"{models_dir / version} exists: a candidate never overwrites a version")
    since = since or lineage_start(models_dir, parent_dir)
    feedback = collect(db, since)
    train_fb, holdout = feedback.split(options.holdout_fraction)
    if len(train_fb) < options.min_examples:
        raise NotEnoughFeedbackError(
            f"{len(train_fb)} labelled feedback examples since {since:%Y-%m-%d %H:%M}Z "
            f"(after a {options.holdout_fraction:.0%} hold-out); at least {options.min_examples} needed"
        )

    model, config = load_from_artifact(parent_dir)
    corpus = build_corpus(corpus_dir)
    replay = replay_sample(english(corpus.split("train")), train_fb, options.replay_ratio, options.seed)
    n_val = options.max_eval_examples or config.max_eval_examples
    val = subsample(english(corpus.split("validation")), n_val, config.seed)
    prepared = time.monotonic()
    steps = fine_tune(model, train_fb + replay, config, options)
    tuned = time.monotonic()

    version = version or f"{config.name}-r{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    parent_recipe = Parent.from_card((parent.model_extra or {}).get("quantization") or {})
    candidate = export_model(model, config, val, models_dir, version, parent_recipe)
    exported = time.monotonic()
    traffic = (
        TrafficCheck(english(corpus.split("validation")), DEFAULT_POLICIES, options.traffic_per_slice)
        if options.traffic_per_slice > 0
        else None
    )
    decided = {e.text for e in train_fb}
    gate = judge(parent_dir, candidate, val, holdout, options.margin, decided, traffic)
    judged = time.monotonic()

    counts = {
        "feedback_train": len(train_fb),
        "feedback_holdout": len(holdout),
        "replay": len(replay),
        "steps": steps,
        **{f"feedback_{k}": v for k, v in sorted(feedback.counts.items())},
    }
    seconds = {
        "prepare": round(prepared - started, 1),
        "fine_tune": round(tuned - prepared, 1),
        "export": round(exported - tuned, 1),
        "gate": round(judged - exported, 1),
    }
    lineage = {
        "parent": parent.version,
        "feedback_since": since.isoformat(),
        "options": asdict(options),
        "counts": counts,
        "seconds": seconds,
        "gate": gate.as_dict(),
    }
    _write_lineage(candidate, lineage, gate, feedback)
    model_events.record(db, "gate", version, actor, lineage, previous=parent.version, passed=gate.passed)
    promoted = False
    if gate.passed and auto_promote:
        promote(models_dir, db, version, actor, reason="passed the gate")
        promoted = True
    return RetrainResult(parent.version, candidate, gate, promoted, counts, seconds)


def lineage_start(models_dir: Path, folder: Path) -> dt.datetime:
    """When the lineage's base model was made: a retrain learns from every
    decision since then, not only those since its parent, so what reviewers
    taught an earlier round is not lost in the next. A parent folder that is
    gone ends the walk."""
    card = load_card(folder, verify_files=False)
    seen = {card.version}
    while (parent := (card.model_extra or {}).get("retraining", {}).get("parent")) and parent not in seen:
        if not (models_dir / parent).is_dir():
            break
        card = load_card(models_dir / parent, verify_files=False)
        seen.add(card.version)
    return dt.datetime.fromisoformat(card.created_at)


def replay_sample(pool: list[Example], feedback: list[Example], ratio: float, seed: int) -> list[Example]:
    """Base-corpus examples to train beside the feedback, drawn per head: for
    every head, `ratio` × len(feedback) examples that label it (or all there
    are), each head with its own class balance. Measured on the full model
    (`harmlabel bench retrain`): a replay drawn without regard to heads held
    too few labels of the sparse heads, and harm_type, which the feedback
    never labels, lost 11 points of macro F1 to the shifted encoder; in the
    tiny e2e test one-sided feedback collapsed the harm head."""
    n = int(ratio * len(feedback))
    chosen: dict[str, Example] = {}
    for j, head in enumerate(HEADS):
        labelling = [e for e in pool if e.labels[head] is not None]
        for e in subsample(labelling, n, seed + j):
            chosen[e.id] = e
    return list(chosen.values())


def fine_tune(
    model: MultiHeadClassifier, examples: list[Example], config: TrainConfig, options: RetrainOptions
) -> int:
    """A short run at a low learning rate with linear warm-up and decay; the
    same class-weighted, head-masked loss as the first training."""
    torch.manual_seed(options.seed)
    torch.set_num_threads(options.threads or config.threads or os.cpu_count() or 1)
    tok = load_tokenizer(base_model_dir() / "tokenizer.json", config.max_length)
    enc = encode(tok, examples, config.background_weight)
    weights = [
        torch.tensor(w, dtype=torch.float32)
        for w in class_weights(label_matrix(examples), config.class_weight_power, enc.weights)
    ]
    tuned = config.model_copy(
        update={
            "lr": options.lr or config.lr * LR_SCALE,
            "head_lr": options.head_lr or config.head_lr * LR_SCALE,
        }
    )
    optimizer = make_optimizer(model, tuned)
    per_epoch = math.ceil(len(examples) / options.batch_size)
    total = max(1, math.ceil(options.epochs * per_epoch))
    scheduler = warmup_then_decay(optimizer, total, total // 10)
    model.train()
    step = 0
    bar = tqdm(total=total, desc="retrain")
    for epoch in range(math.ceil(options.epochs)):
        lengths = [len(s) for s in enc.ids]
        for batch in bucketed_batches(lengths, options.batch_size, options.seed + epoch):
            if step >= total:
                break
            loss = train_step(model, enc, batch, weights, optimizer, scheduler)
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")
    bar.close()
    model.eval()
    return step


def _write_lineage(folder: Path, lineage: dict[str, Any], gate: GateResult, feedback: Feedback) -> None:
    """card.json gains a `retraining` section (card.json is not among the
    files it checksums); card.md says the same for people."""
    card_path = folder / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["retraining"] = lineage
    tmp = card_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    tmp.replace(card_path)
    verdict = "passed" if gate.passed else "refused: " + "; ".join(gate.reasons)
    counts = lineage["counts"]
    lines = [
        f"# {card['version']} (retrained from {lineage['parent']})",
        "",
        f"Reviewer feedback since {lineage['feedback_since']}: {counts['feedback_train']} training and "
        f"{counts['feedback_holdout']} hold-out cases from {feedback.counts['decisions']} decisions, plus "
        f"{counts['replay']} replayed base-corpus examples; {counts['steps']} optimiser steps.",
        "",
        f"Gate (paired bootstrap per head, refusing a significant drop beyond {gate.margin:.3f} macro F1; "
        f"McNemar on the hold-out; traffic limits): **{verdict}**.",
        "",
        gate.table(),
        "",
        "Feedback label counts: "
        + ", ".join(f"{k} {v}" for k, v in sorted(feedback.counts.items()) if "=" in k),
        "",
        f"Seconds: {json.dumps(lineage['seconds'])}.",
        "",
    ]
    (folder / "card.md").write_text("\n".join(lines), encoding="utf-8")
