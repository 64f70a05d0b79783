"""Media analysis: bounded decoding, pluggable signals, one report per image.

Nothing here knows HTTP or the database; the bank index is handed in.
"""
