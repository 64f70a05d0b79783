"""`harmlabel train`: fine-tune the multi-head classifier, resumable.

Reading order: data, model, optimiser, then the loop. A checkpoint is written
every `checkpoint_every` steps and at each epoch end; a rerun of the same
command resumes from it and, given the seed, follows the same batch order.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from sklearn.metrics import f1_score
from torch.nn import functional
from tqdm import tqdm

from training.config import TrainConfig
from training.corpus import Example, build_corpus
from training.corpus.heads import HEADS
from training.data import (
    IGNORE,
    Encoded,
    bucketed_batches,
    cap_per_source,
    class_weights,
    drop_urls,
    encode,
    label_matrix,
    load_tokenizer,
    pad,
    subsample,
    weight_matrix,
)
from training.infer import torch_logits
from training.model import MultiHeadClassifier, base_model_dir
from training.schedule import make_optimizer, warmup_then_decay

transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]

CHECKPOINT = "checkpoint.pt"
WEIGHTS = "model.pt"


def english(examples: list[Example]) -> list[Example]:
    return [e for e in examples if e.lang == "en"]


def train(config: TrainConfig, corpus_dir: Path, out_dir: Path, resume: bool = True) -> Path:
    """Train and write `out_dir/model.pt`; returns that path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads or os.cpu_count() or 1)
    (out_dir / "config.json").write_text(config.model_dump_json(indent=2))

    # --- data
    corpus = build_corpus(corpus_dir)
    pool = subsample(english(corpus.split("train")), config.max_train_examples, config.seed)
    val = subsample(english(corpus.split("validation")), config.max_eval_examples, config.seed)
    tok = load_tokenizer(base_model_dir() / "tokenizer.json", config.max_length)
    val_enc = encode(tok, val)
    weights = [
        torch.tensor(w, dtype=torch.float32)
        for w in class_weights(
            label_matrix(pool), config.class_weight_power, weight_matrix(pool, config.background_weight)
        )
    ]
    per_epoch = math.ceil(len(cap_per_source(pool, config.max_per_source, config.seed)) / config.batch_size)
    total_steps = max(1, math.ceil(config.epochs * per_epoch))

    # --- model and optimiser
    model = MultiHeadClassifier.from_base(config.num_layers, config.pooling, config.dropout)
    optimizer = make_optimizer(model, config)
    scheduler = warmup_then_decay(optimizer, total_steps, int(config.warmup_fraction * total_steps))
    state = {"epoch": 0, "batch": 0, "step": 0}
    ckpt_path = out_dir / CHECKPOINT
    if resume and ckpt_path.is_file():
        ckpt = torch.load(ckpt_path, weights_only=False)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        torch.set_rng_state(ckpt["torch_rng"])
        state = ckpt["state"]
        print(f"resuming from {ckpt_path} at epoch {state['epoch']} batch {state['batch']}")

    def save_checkpoint() -> None:
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "state": state,
            },
            tmp,
        )
        tmp.replace(ckpt_path)

    # --- loop
    log = (out_dir / "metrics.jsonl").open("a", encoding="utf-8")
    for epoch in range(state["epoch"], math.ceil(config.epochs)):
        examples = cap_per_source(pool, config.max_per_source, config.seed, epoch)
        texts = drop_urls(examples, config.url_dropout, config.seed + epoch)
        enc = encode(tok, examples, config.background_weight, texts)
        batches = bucketed_batches([len(s) for s in enc.ids], config.batch_size, config.seed + epoch)
        model.train()
        started, losses = time.monotonic(), []
        bar = tqdm(batches, desc=f"epoch {epoch + 1}", initial=state["batch"], total=len(batches))
        for b, batch in enumerate(batches):
            if b < state["batch"]:
                continue
            if state["step"] >= total_steps:
                break
            losses.append(train_step(model, enc, batch, weights, optimizer, scheduler))
            state["batch"], state["step"] = b + 1, state["step"] + 1
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
            if state["step"] % config.checkpoint_every == 0:
                save_checkpoint()
        bar.close()
        record = {
            "epoch": epoch + 1,
            "step": state["step"],
            "train_loss": float(np.mean(losses)) if losses else None,
            "seconds": round(time.monotonic() - started, 1),
            **quick_eval(model, val_enc),
        }
        log.write(json.dumps(record) + "\n")
        log.flush()
        print(json.dumps(record))
        state = {"epoch": epoch + 1, "batch": 0, "step": state["step"]}
        save_checkpoint()
    log.close()

    weights_path = out_dir / WEIGHTS
    torch.save(model.state_dict(), weights_path)
    return weights_path


def train_step(
    model: MultiHeadClassifier,
    enc: Encoded,
    batch: list[int],
    weights: list[torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
) -> float:
    """One optimiser step with gradient clipping; returns the batch loss."""
    loss = _loss(model, enc, batch, weights)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    return float(loss.item())


def _loss(
    model: MultiHeadClassifier, enc: Encoded, batch: list[int], weights: list[torch.Tensor]
) -> torch.Tensor:
    """Sum over heads of the class-weighted mean loss over the examples that
    label the head: an unknown label contributes no gradient to its head, and
    a weak (background) label contributes `background_weight` of one."""
    ids, mask = pad([enc.ids[i] for i in batch])
    labels = torch.from_numpy(enc.labels[batch])
    example_weights = torch.from_numpy(enc.weights[batch])
    logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
    total = torch.zeros(())
    for j, head_logits in enumerate(logits):
        target = labels[:, j]
        known = target != IGNORE
        if bool(known.any()):
            per_example = functional.cross_entropy(
                head_logits, target, weight=weights[j], ignore_index=IGNORE, reduction="none"
            )
            w = example_weights[:, j] * known
            norm = (weights[j][target.clamp(min=0)] * w).sum()
            total = total + (per_example * w).sum() / norm.clamp(min=1e-8)
    return total


def quick_eval(model: MultiHeadClassifier, enc: Encoded) -> dict[str, Any]:
    """Macro F1 per head on the validation sample, logged every epoch."""
    logits = torch_logits(model, enc)
    out: dict[str, Any] = {}
    for j, head in enumerate(HEADS):
        known = enc.labels[:, j] != IGNORE
        if known.any():
            pred = logits[j][known].argmax(1)
            out[f"val_f1_{head}"] = round(float(f1_score(enc.labels[known, j], pred, average="macro")), 4)
    model.train()
    return out
