"""The reviewer console: server-rendered pages over the review queue."""
