"""`harmlabel bench retrain`: one real retraining round with simulated reviewers."""

from bench.retrain.main import run

__all__ = ["run"]
