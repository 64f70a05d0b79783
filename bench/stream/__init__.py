"""Stream ingestion: 1 → 2 worker scaling on a local NATS JetStream."""

from bench.stream.main import run

__all__ = ["run"]
