"""Text inference without torch: model card, tokenizing and batching, ONNX Runtime.

Three layers, as in text-embeddings-inference: callers hand texts to
`TextModel`, which tokenizes, windows and batches them; `OnnxRunner.predict`
runs one padded batch and knows nothing about text.
"""

from service.inference.card import HeadSpec, ModelCard, load_card
from service.inference.model import HeadScores, TextModel
from service.inference.runner import OnnxRunner

__all__ = ["HeadScores", "HeadSpec", "ModelCard", "OnnxRunner", "TextModel", "load_card"]
