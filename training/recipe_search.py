"""Choose the fastest int8 recipe that passes the decision-level gate.

Order of trial, fastest first:

1. dynamic int8 on every encoder MatMul and Attention node;
2. a sensitivity search: each node is left in fp32 alone (all others int8)
   and ranked by how much that lowers the mean KL divergence from the
   reference on a validation subset; then the 1, 2, 3, … most harmful nodes
   stay fp32 until the gate passes;
3. the weight-only recipes (fp32 activations, fp32 speed).

Nothing ships that the gate (training/parity.py) refused; if every recipe
fails, the export stops with the reports.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from service.inference import TextModel
from service.inference.card import CARD_FILE, sha256_file
from service.inference.isa import cpu_isa, has_vnni
from training.corpus import Example
from training.parity import DEFAULT_POLICIES, Decisions, GateLimits, compare, run_model
from training.quantize import DYNAMIC, FALLBACKS, Recipe, eligible_nodes, quantize

STEPS = (1, 2, 3, 4, 6, 8, 12)
SENSITIVITY_EXAMPLES = 2000


class ParityError(RuntimeError):
    """No quantization recipe passed the decision-level gate."""


@dataclass(frozen=True)
class Parent:
    """What a retrained candidate's export reuses from its parent's card."""

    keep_fp32: tuple[str, ...]
    ranking: tuple[dict[str, Any], ...]

    @classmethod
    def from_card(cls, quantization: dict[str, Any]) -> Parent | None:
        if not quantization.get("chosen", "").startswith(DYNAMIC):
            return None
        return cls(tuple(quantization.get("fp32_nodes") or ()), tuple(quantization.get("sensitivity") or ()))


@dataclass
class Choice:
    path: Path
    recipe: Recipe
    gate: dict[str, Any]
    tried: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: list[dict[str, Any]] = field(default_factory=list)

    def card_section(self, int8_nodes: list[str]) -> dict[str, Any]:
        return {
            "chosen": self.recipe.name,
            "isa": cpu_isa(),
            "reduce_range": self.recipe.reduce_range,
            "int8_nodes": int8_nodes,
            "fp32_nodes": list(self.recipe.keep_fp32),
            "gate": self.gate,
            "sensitivity": self.sensitivity,
            "tried": self.tried,
        }


def stage(reference: Path, onnx_path: Path, dst: Path, version: str | None = None) -> Path:
    """A model folder around `onnx_path` with the reference's card (heads,
    temperatures, operating points) and tokenizer."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    shutil.copy(onnx_path, dst / "model.onnx")
    shutil.copy(reference / "tokenizer.json", dst / "tokenizer.json")
    card = json.loads((reference / CARD_FILE).read_text(encoding="utf-8"))
    card["files"]["model.onnx"] = sha256_file(dst / "model.onnx")
    card["version"] = version or card["version"]
    (dst / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return dst


def _kl(ref: list[np.ndarray], cand: list[np.ndarray]) -> float:
    """Mean KL(reference ‖ candidate), summed over heads."""
    total = 0.0
    for p, q in zip(ref, cand, strict=True):
        p, q = np.clip(p, 1e-9, 1), np.clip(q, 1e-9, 1)
        total += float((p * (np.log(p) - np.log(q))).sum(1).mean())
    return total


class Search:
    def __init__(
        self,
        reference: Path,
        fp32_graph: Path,
        examples: list[Example],
        tmp: Path,
        limits: GateLimits | None = None,
        policies_dir: Path = DEFAULT_POLICIES,
    ) -> None:
        self.reference_dir = reference
        self.reference = TextModel(reference)
        self.fp32_graph = fp32_graph
        self.examples = examples
        self.tmp = tmp
        self.limits = limits or GateLimits()
        self.policies_dir = policies_dir
        self.reduce_range = not has_vnni()
        self.ref_run: tuple[list[np.ndarray], Decisions] = run_model(self.reference, examples, policies_dir)
        self.tried: list[dict[str, Any]] = []

    def _build(self, recipe: Recipe, tag: str) -> Path:
        path = self.tmp / f"{tag}.onnx"
        quantize(self.fp32_graph, path, recipe)
        return path

    def _gate(self, recipe: Recipe, tag: str) -> tuple[Path, dict[str, Any]]:
        path = self._build(recipe, tag)
        folder = stage(self.reference_dir, path, self.tmp / tag)
        report = compare(
            self.reference, TextModel(folder), self.examples, self.policies_dir, self.limits,
            reference_run=self.ref_run,
        )  # fmt: skip
        summary = {"recipe": recipe.name, "keep_fp32": list(recipe.keep_fp32), "bytes": path.stat().st_size}
        self.tried.append({**summary, "passed": report["passed"], "decisions": report["decisions"],
                           "f1_drop": {h: r.get("f1_drop") for h, r in report["heads"].items()}})  # fmt: skip
        print(json.dumps(self.tried[-1]), flush=True)
        shutil.rmtree(folder)
        return path, report

    def sensitivity(self) -> list[dict[str, Any]]:
        """Per encoder node, how much leaving it alone in fp32 lowers the KL
        from the reference on a subset; most harmful first."""
        rng = np.random.default_rng(0)
        n = min(SENSITIVITY_EXAMPLES, len(self.examples))
        idx = np.sort(rng.choice(len(self.examples), n, replace=False))
        texts = [self.examples[i].raw_text for i in idx]
        ref = [p[idx] for p in self.ref_run[0]]

        def kl_of(recipe: Recipe) -> float:
            folder = stage(self.reference_dir, self._build(recipe, "sens"), self.tmp / "sens")
            probs, _ = TextModel(folder).probabilities(texts)
            return _kl(ref, probs)

        base = kl_of(self._dynamic(()))
        rows = [{"node": node, "kl_gain": round(base - kl_of(self._dynamic((node,))), 7)}
                for node in eligible_nodes(self.fp32_graph)]  # fmt: skip
        return sorted(rows, key=lambda r: -float(r["kl_gain"]))

    def _dynamic(self, keep: tuple[str, ...]) -> Recipe:
        name = DYNAMIC if not keep else f"{DYNAMIC}-keep-{len(keep)}-fp32"
        return Recipe(name, keep_fp32=keep, reduce_range=self.reduce_range)

    def run(self, steps: tuple[int, ...] = STEPS, parent: Parent | None = None) -> Choice:
        """`parent`: the recipe of the model a retrained candidate comes from.
        Fine-tuning moves the weights a little, so the parent's fp32 nodes
        and sensitivity ranking are tried first; without them the tiny
        model's export re-ran six gates and a sensitivity scan per round."""
        start = len(parent.keep_fp32) if parent else 0
        recipe = self._dynamic(parent.keep_fp32 if parent else ())
        path, report = self._gate(recipe, f"keep{start}" if start else "all")
        if report["passed"]:
            return Choice(path, recipe, report, self.tried, list(parent.ranking) if parent else [])
        ranked = list(parent.ranking) if parent and parent.ranking else self.sensitivity()
        for k in (s for s in steps if start < s < len(ranked)):
            recipe = self._dynamic(tuple(r["node"] for r in ranked[:k]))
            path, report = self._gate(recipe, f"keep{k}")
            if report["passed"]:
                return Choice(path, recipe, report, self.tried, ranked)
        for recipe in FALLBACKS:
            path, report = self._gate(recipe, recipe.name)
            if report["passed"]:
                return Choice(path, recipe, report, self.tried, ranked)
        raise ParityError(f"every quantization recipe failed the gate: {json.dumps(self.tried, indent=1)}")
