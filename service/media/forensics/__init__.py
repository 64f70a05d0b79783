"""Advisory forensic signals: evidence for a reviewer, never a label on their own.

Each one looks for a trace that editing *can* leave (a region that re-compresses
differently, a missing double-compression pattern, a duplicated patch, an
editor's name in the metadata) and every trace also has innocent causes, which
is why they are `Role.advisory` and their reasons say what was seen rather
than what it means.
"""

from __future__ import annotations

from service.media.forensics.copy_move import CopyMove
from service.media.forensics.double_jpeg import DoubleJpeg
from service.media.forensics.ela import ErrorLevel
from service.media.forensics.metadata import Metadata

ADVISORY = (ErrorLevel, DoubleJpeg, CopyMove, Metadata)

__all__ = ["ADVISORY", "CopyMove", "DoubleJpeg", "ErrorLevel", "Metadata"]
