"""Text handling shared by training and serving."""

from service.text.normalise import (
    MENTION_PLACEHOLDER,
    URL_PLACEHOLDER,
    NormalisedText,
    normalise,
    normalise_with_offsets,
)

__all__ = [
    "MENTION_PLACEHOLDER",
    "URL_PLACEHOLDER",
    "NormalisedText",
    "normalise",
    "normalise_with_offsets",
]
