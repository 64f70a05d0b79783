"""`harmlabel bench throughput`: harmlabel against the naive pipeline, one run."""

from bench.throughput.main import run

__all__ = ["run"]
