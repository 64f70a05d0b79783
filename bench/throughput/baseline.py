"""The naive alternative users would compare against: FastAPI around the
same fine-tuned weights in torch fp32 (recovered from the served artifact), tokenised by the Hugging Face fast
tokenizer, one forward pass per request with the batch as sent, softmax per
head. It is what `transformers.pipeline("text-classification")` does for one
head, for all six heads (the pipeline class itself only knows one head).

Run as `python -m bench.throughput.baseline --port P --model models/<version>`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import torch
import uvicorn
from fastapi import FastAPI
from transformers import AutoTokenizer

from training.corpus.heads import HEADS
from training.model import base_model_dir
from training.recover import load_from_artifact


def create_app(model_dir: Path, threads: int) -> FastAPI:
    torch.set_num_threads(threads)
    model, config = load_from_artifact(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    app = FastAPI(title="naive baseline")

    @torch.inference_mode()
    def classify(texts: list[str]) -> list[dict[str, dict[str, float]]]:
        enc = tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=config.max_length,
            return_tensors="pt",
        )
        logits = model(enc["input_ids"], enc["attention_mask"])
        probs = [torch.softmax(t, dim=-1) for t in logits]
        return [
            {h: dict(zip(HEADS[h], p[i].tolist(), strict=True)) for h, p in zip(HEADS, probs, strict=True)}
            for i in range(len(texts))
        ]

    @app.post("/v1/assess")
    def assess(tweet: dict[str, Any]) -> dict[str, Any]:
        return {"tweet_id": tweet["id"], "scores": classify([tweet["text"]])[0]}

    @app.post("/v1/rank")
    def rank(body: dict[str, Any]) -> dict[str, Any]:
        tweets = body["tweets"]
        scores = classify([t["text"] for t in tweets])
        return {
            "assessments": [{"tweet_id": t["id"], "scores": s} for t, s in zip(tweets, scores, strict=True)]
        }

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", type=Path, required=True, help="A models/<version> folder.")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    app = create_app(args.model, args.threads)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
