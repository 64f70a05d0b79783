"""The bottom layer: one ONNX Runtime session, one narrow `predict`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from service.inference.fold import fold, graph_traits


class OnnxRunner:
    """Runs padded token batches through the graph; returns logits per head.

    Threads: intra-op = the cores given (default: all), inter-op 1, so one
    request uses the machine without oversubscribing it. `spin=False` stops
    idle pool threads from busy-waiting for work, which on a small machine
    takes cycles from the HTTP and policy code between batches.
    Weights stored as fp16 or weight-only int8 (older recipes) are expanded
    once at load (see `fold`); a dynamic int8 graph loads as it is, so its
    weights stay int8 in memory.

    A dynamic int8 graph quantizes activations with one scale per call,
    taken from the whole batch: batched, a tweet's scores would depend on
    the tweets that happened to share its micro-batch (measured: up to 0.19
    in probability, 54 of 1,500 veracity argmaxes). Such a graph runs one row
    at a time, without padding, so every tweet scores the same whatever its
    neighbours; on one thread that costs about 10% against batch 32.
    """

    def __init__(
        self,
        model_path: Path,
        head_names: list[str],
        threads: int | None = None,
        spin: bool = True,
        output_names: list[str] | None = None,
    ) -> None:
        """`output_names` replaces the `logits_<head>` outputs of a classifier
        (the claim embedder has one output, `embedding`)."""
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        graph = onnx.load(str(model_path))  # parsed once: its traits, and folded if it needs it
        traits = graph_traits(graph)
        self.per_row = traits.dynamic_activations
        source: str | bytes = fold(graph) if traits.needs_folding else str(model_path)
        del graph
        self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        # Transformer graphs take input_ids and attention_mask; n-gram graphs input_ids and values.
        self.input_names = {i.name for i in self.session.get_inputs()}
        outputs = [o.name for o in self.session.get_outputs()]
        self.output_names = output_names or [f"logits_{h}" for h in head_names]
        missing = [o for o in self.output_names if o not in outputs]
        if missing:
            raise ValueError(f"{model_path}: graph lacks outputs {missing}; it has {outputs}")

    def predict(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        """[batch, seq] int64 ids and mask (or n-gram values) -> per head [batch, labels] logits."""
        if self.per_row and len(input_ids) > 1:
            rows = [
                self._run(input_ids[i : i + 1, :n], attention_mask[i : i + 1, :n])
                for i, n in enumerate(attention_mask.sum(axis=1))
            ]
            return [np.concatenate(head) for head in zip(*rows, strict=True)]
        return self._run(input_ids, attention_mask)

    def _run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        second = "values" if "values" in self.input_names else "attention_mask"
        feed = {"input_ids": input_ids, second: attention_mask}
        return [np.asarray(r, dtype=np.float32) for r in self.session.run(self.output_names, feed)]
