"""Stream ingestion on NATS JetStream: a publisher and pull-consumer workers."""
