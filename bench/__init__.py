"""Offline benchmarks (`harmlabel bench ...`): measured numbers for the docs and
the reliability files the service reads."""
