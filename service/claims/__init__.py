"""Claim matching: tweets against a bank of fact-checks (dense + lexical
retrieval on the serving runtime, no torch)."""
