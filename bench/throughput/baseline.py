"""The naive alternative users would compare against: FastAPI around the
same fine-tuned weights in torch fp32, tokenised by the Hugging Face fast
tokenizer, one forward pass per request with the batch as sent, softmax per
head. It is what `transformers.pipeline("text-classification")` does for one
head, for all six heads (the pipeline class itself only knows one head).

Run as `python -m bench.throughput.baseline --port P --weights runs/full`.
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

from training.config import load_config
from training.corpus.heads import HEADS
from training.export import load_trained
from training.model import base_model_dir


def create_app(weights: Path, threads: int, config: str = "full") -> FastAPI:
    torch.set_num_threads(threads)
    model = load_trained(weights, load_config(config)).eval()
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    app = FastAPI(title="naive baseline")

    @torch.inference_mode()
    def classify(texts: list[str]) -> list[dict[str, dict[str, float]]]:
        enc = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
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
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--config", default="full", help="The training config the weights came from.")
    args = parser.parse_args()
    app = create_app(args.weights, args.threads, args.config)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
