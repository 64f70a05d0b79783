"""Stream ingestion: 1 → 2 worker scaling on a local NATS JetStream."""
