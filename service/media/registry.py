"""The media signals the service runs, in order, checked at start-up.

Order matters: `out_of_context` reads the dates of `pdq_match`'s bank hits.
Every advisory signal must have a measured reliability, and names must be
unique, or the service refuses to start.
"""

from __future__ import annotations

from service.media.bank_index import BankIndexHolder
from service.media.context import OutOfContext
from service.media.forensics.copy_move import CopyMove
from service.media.forensics.double_jpeg import DoubleJpeg
from service.media.forensics.ela import ErrorLevel
from service.media.forensics.metadata import Metadata
from service.media.pdq_match import PdqMatch
from service.media.provenance import Provenance
from service.media.reliability import Reliability
from service.media.signal import MediaSignal, Role
from service.settings import Settings

SIGNAL_NAMES = (
    "pdq_match",
    "provenance",
    "out_of_context",
    "metadata",
    "error_level",
    "double_jpeg",
    "copy_move",
)


class RegistryError(ValueError):
    pass


def build_signals(settings: Settings, banks: BankIndexHolder) -> list[MediaSignal]:
    signals: list[MediaSignal] = [
        PdqMatch(banks, settings.pdq_match_distance, settings.pdq_candidate_distance),
        Provenance(),
        OutOfContext(settings.out_of_context_days),
        Metadata(),
        ErrorLevel(),
        DoubleJpeg(),
    ]
    if settings.media_copy_move:
        signals.append(CopyMove())
    return signals


def check_registry(signals: list[MediaSignal], reliability: dict[str, Reliability]) -> None:
    names = [s.name for s in signals]
    if len(set(names)) != len(names):
        raise RegistryError(f"duplicate media signal names: {names}")
    unknown = [n for n in names if n not in SIGNAL_NAMES]
    if unknown:
        raise RegistryError(f"unregistered media signals: {unknown}")
    if names != sorted(names, key=SIGNAL_NAMES.index):
        raise RegistryError(f"media signals out of order: {names}; expected the order of {SIGNAL_NAMES}")
    missing = [s.name for s in signals if s.role is Role.advisory and s.name not in reliability]
    if missing:
        raise RegistryError(f"advisory signals without a measured reliability: {missing}")
