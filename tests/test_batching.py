"""Micro-batching and the duplicate cache, with the real shipped model.
Behaviour, not timings: coalescing, identical results, cache hits, reload."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from service.inference import TextModel
from service.inference.batcher import MicroBatcher
from service.inference.card import resolve_current
from service.inference.scorer import Scored, Scorer
from service.settings import load_settings
from tests.conftest import REPO, queue_client

TEXTS = [
    "Thousands of doctors say hydroxychloroquine cures coronavirus",
    "The vaccine changes your DNA, share before they delete this",
    "Lovely walk by the river this morning",
    "CDC Briefing Room: Dr. Nancy Messonnier gives an update on COVID-19",
    "5G towers spread the virus, burn them down",
    "Our shop is open again, 20% off everything this week only!!!",
    "Wash your hands and keep your distance",
    "I can't believe the referee gave that penalty",
]


@pytest.fixture(scope="module")
def model() -> TextModel:
    return TextModel(resolve_current(REPO / "models"))


def _concurrently(fn: object, args: list[list[str]]) -> list[object]:
    out: list[object] = [None] * len(args)
    start = threading.Barrier(len(args))

    def work(i: int) -> None:
        start.wait()
        out[i] = fn(args[i])  # type: ignore[operator]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def test_concurrent_requests_are_coalesced_and_results_are_identical(model: TextModel) -> None:
    batches: list[tuple[int, int]] = []
    scorer = Scorer(
        model, cache_size=0, max_batch=64, window_s=0.005, on_batch=lambda t, r: batches.append((t, r))
    )
    requests = [[t] for t in TEXTS * 4]
    results = _concurrently(scorer.score, requests)
    assert sum(r for _, r in batches) == len(requests)
    assert len(batches) < len(requests) and max(r for _, r in batches) > 1, batches
    for req, got in zip(requests, results, strict=True):
        [alone] = model.score(req)
        assert isinstance(got, list) and len(got) == 1
        scored: Scored = got[0]
        for head, probs in alone.probs.items():
            a, b = np.array(list(probs.values())), np.array(list(scored.scores.probs[head].values()))
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-5)


def test_an_idle_request_runs_alone_and_at_once(model: TextModel) -> None:
    batches: list[tuple[int, int]] = []
    scorer = Scorer(model, cache_size=0, on_batch=lambda t, r: batches.append((t, r)))
    scorer.score(TEXTS[:3])
    assert batches == [(3, 1)]


def test_one_failing_request_does_not_fail_its_neighbours() -> None:
    def run(texts: list[str]) -> list[str]:
        if "boom" in texts:
            raise ValueError("bad input")
        return [t.upper() for t in texts]

    batcher: MicroBatcher[str] = MicroBatcher(run, window_s=0.01)

    def call(texts: list[str]) -> object:
        try:
            return batcher.submit(texts)
        except ValueError as exc:
            return exc

    results = _concurrently(call, [["a"], ["boom"], ["b", "c"], ["d"]])
    assert results[0] == ["A"] and results[2] == ["B", "C"] and results[3] == ["D"]
    assert isinstance(results[1], ValueError)


def test_cache_hits_return_the_same_probabilities_and_reload_empties_it(model: TextModel) -> None:
    hits: list[tuple[int, int]] = []
    scorer = Scorer(model, cache_size=100, on_cache=lambda h, m: hits.append((h, m)))
    [first] = scorer.score([TEXTS[0]])
    [again, variant] = scorer.score([TEXTS[0], TEXTS[0].replace("o", "о", 1) + "  "])  # Cyrillic o, spaces
    assert not first.cache_hit and again.cache_hit and variant.cache_hit
    assert again.scores.probs == first.scores.probs == variant.scores.probs
    assert hits == [(0, 1), (2, 0)]
    assert len(scorer.cache) == 1
    scorer.swap(TextModel(resolve_current(REPO / "models")))
    assert len(scorer.cache) == 0
    [after] = scorer.score([TEXTS[0]])
    assert not after.cache_hit


def test_duplicates_within_one_request_are_scored_once(model: TextModel) -> None:
    batches: list[tuple[int, int]] = []
    scorer = Scorer(model, on_batch=lambda t, r: batches.append((t, r)))
    out = scorer.score([TEXTS[1]] * 5 + [TEXTS[2]])
    assert batches == [(2, 1)] and len(out) == 6 and out[0].scores.probs == out[4].scores.probs


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(state_dir=tmp_path_factory.mktemp("state"), batch_window_ms=5)
    with queue_client(settings, "batching") as c:
        yield c


def test_the_api_reports_cache_hits_and_the_batch_histogram(client: TestClient) -> None:
    def post(texts: list[str]) -> object:
        return client.post("/v1/assess?spans=false", json={"id": "x", "text": texts[0]}).json()

    first = _concurrently(post, [[t] for t in TEXTS])
    assert not any(a["cache_hit"] for a in first)  # type: ignore[index]
    again = client.post("/v1/assess?spans=false", json={"id": "y", "text": TEXTS[0]}).json()
    assert again["cache_hit"] and again["scores"] == first[0]["scores"]  # type: ignore[index]
    metrics = client.get("/metrics").text
    assert 'harmlabel_score_cache_total{result="hit"} 1.0' in metrics
    count = next(
        line for line in metrics.splitlines() if line.startswith("harmlabel_microbatch_requests_count")
    )
    total = next(
        line for line in metrics.splitlines() if line.startswith("harmlabel_microbatch_requests_sum")
    )
    assert float(total.split()[-1]) == len(TEXTS) and float(count.split()[-1]) < len(TEXTS), (count, total)


def test_a_tweet_scores_the_same_whatever_shares_its_batch(model: TextModel) -> None:
    """The shipped graph quantizes activations per call; the runner scores
    row by row so that no neighbour's activations set a tweet's scale."""
    alone = [model.probabilities([t])[0] for t in TEXTS]
    fillers = ["x " * 80, "Breaking: " + "very long text about many things " * 8, "ok"]
    for batch in (TEXTS + fillers, fillers + TEXTS[::-1]):
        together, _ = model.probabilities(batch)
        for i, text in enumerate(TEXTS):
            row = batch.index(text)
            for head_alone, head_together in zip(alone[i], together, strict=True):
                np.testing.assert_allclose(head_together[row], head_alone[0], rtol=0, atol=1e-6)


def previous_model() -> Path:
    """The weight-only artifact the shipped model was re-quantized from,
    kept for rollback: its fp16 and int8 weights are folded at load."""
    card = json.loads((resolve_current(REPO / "models") / "card.json").read_text())
    return REPO / "models" / str(card["quantization"]["requantized_from"]["version"])


def test_folding_compressed_weights_changes_no_output() -> None:
    import onnx
    import onnxruntime as ort

    from service.inference.fold import folded_model

    model = TextModel(previous_model())
    path = model.folder / "model.onnx"
    folded = onnx.load_from_string(folded_model(path))
    assert not [n for n in folded.graph.node if n.op_type == "DequantizeLinear"]
    raw = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    windows = [w for t in TEXTS for w in model.windows(t)]
    width = max(len(w) for w in windows)
    ids = np.array([w + [0] * (width - len(w)) for w in windows], dtype=np.int64)
    mask = (np.arange(width)[None, :] < np.array([len(w) for w in windows])[:, None]).astype(np.int64)
    expected = raw.run(model.runner.output_names, {"input_ids": ids, "attention_mask": mask})
    for want, got in zip(expected, model.runner.predict(ids, mask), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
