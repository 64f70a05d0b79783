"""`harmlabel requantize`: a shipped model, re-quantized under the gate.

The torch weights of a shipped model are not kept (the repo holds int8
artifacts only), and retraining to change the recipe would change the model.
So the served artifact is the reference: its weights, dequantized to fp32
(service.inference.fold), are the fp32 graph the recipes start from, and the
shipped model's own decisions on validation are what the new artifact must
reproduce. Card, heads, temperatures and operating points carry over; the
quantization section records the recipe, its node list and the gate.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from service.inference.card import CARD_FILE
from service.inference.fold import folded_model
from training.corpus import Example
from training.quantize import quantized_nodes
from training.recipe_search import Search, stage


def requantize(source: Path, models_dir: Path, version: str, examples: list[Example]) -> Path:
    folder = models_dir / version
    if folder.exists():
        raise FileExistsError(f"{folder} exists: a version is never overwritten")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fp32 = tmp / "fp32.onnx"
        fp32.write_bytes(folded_model(source / "model.onnx"))
        choice = Search(source, fp32, examples, tmp).run()
        staging = stage(source, choice.path, models_dir / f".{version}.staging", version)
        path = staging / CARD_FILE
        card = json.loads(path.read_text(encoding="utf-8"))
        previous = card.get("quantization", {}).get("chosen")
        card["created_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        card["quantization"] = {
            **choice.card_section(quantized_nodes(choice.path)),
            "requantized_from": {"version": card_version(source), "recipe": previous},
        }
        path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        staging.rename(folder)
    shutil.rmtree(models_dir / f".{version}.staging", ignore_errors=True)
    return folder


def card_version(folder: Path) -> str:
    return str(json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))["version"])
