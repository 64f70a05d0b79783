"""Behavioural signals: what many accounts do together, not what one tweet says."""
