"""`harmlabel bench claims`."""

from bench.claims.main import run

__all__ = ["run"]
