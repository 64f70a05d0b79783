"""The contract every registered media signal keeps, on every fixture image,
and the start-up checks of the registry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from service.media.bank_index import BankEntryInfo, BankIndexHolder
from service.media.decode import DecodedImage, DecodeLimits, decode_image
from service.media.pdq import hash_image
from service.media.registry import SIGNAL_NAMES, RegistryError, build_signals, check_registry
from service.media.reliability import load_reliability
from service.media.signal import Judgement, MediaContext, MediaSignal, Role
from service.settings import Settings
from tests.media_fixtures import camera_exif, encode, photo

FIXTURES: dict[str, Callable[[], bytes]] = {
    "jpeg_camera": lambda: encode(photo("astronaut"), exif=camera_exif(datetime(2019, 3, 1, tzinfo=UTC))),
    "jpeg_plain": lambda: encode(photo("coffee"), quality=75),
    "png": lambda: encode(photo("chelsea"), "PNG"),
    "webp": lambda: encode(photo("rocket"), "WEBP"),
    "gif": lambda: encode(photo("coins"), "GIF"),
    "grayscale_jpeg": lambda: encode(photo("camera")),
    "flat": lambda: encode(photo("astronaut")[:1].repeat(480, axis=0) * 0 + 128),
    "tiny": lambda: encode(photo("astronaut", (8, 8)), "PNG"),
    "large": lambda: encode(photo("hubble_deep_field", (1600, 1200))),
    "xmp_ai": lambda: encode(
        photo("chelsea"),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>'
        b"</rdf:RDF></x:xmpmeta>",
    ),
}


@pytest.fixture(scope="module")
def signals() -> list[MediaSignal]:
    banks = BankIndexHolder()
    h = hash_image(photo("astronaut"))
    banks.replace([BankEntryInfo(1, "b", False, h.hex, h.quality, "n", None, None, None, None)])
    return build_signals(Settings(media_copy_move=True), banks)


@pytest.fixture(scope="module")
def images() -> dict[str, DecodedImage]:
    return {name: decode_image(make(), DecodeLimits()) for name, make in FIXTURES.items()}


def test_every_registered_signal_is_built_in_order(signals: list[MediaSignal]) -> None:
    assert [s.name for s in signals] == list(SIGNAL_NAMES)
    check_registry(signals, load_reliability())


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
@pytest.mark.parametrize("index", range(len(SIGNAL_NAMES)))
def test_signal_contract(
    signals: list[MediaSignal], images: dict[str, DecodedImage], index: int, fixture: str
) -> None:
    signal = signals[index]
    ctx = MediaContext(text="happening right now", posted_at=datetime(2026, 11, 1, tzinfo=UTC))
    started = time.perf_counter()
    result = signal.analyse(images[fixture], ctx)
    outer_ms = (time.perf_counter() - started) * 1000
    assert result.error is None, result.error
    assert result.signal == signal.name and result.version and result.role in Role
    assert result.score is None or 0.0 <= result.score <= 1.0
    assert result.abstained == (result.score is None)
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
    json.dumps(result.evidence)  # must be JSON as it is, no numpy types
    assert 0 <= result.elapsed_ms <= outer_ms + 0.01  # it times the judging, in milliseconds


class Overconfident(MediaSignal):
    """A plugin with a bug: it scores outside [0, 1]."""

    name, version, role = "overconfident", "1", Role.advisory

    def __init__(self, score: float) -> None:
        self.score = score

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        return Judgement(self.score, ("very sure",))


@pytest.mark.parametrize("score", [1.5, -0.1, float("nan")])
def test_a_signal_scoring_out_of_range_abstains_and_says_why(
    images: dict[str, DecodedImage], score: float
) -> None:
    ctx = MediaContext(text="", posted_at=datetime(2026, 11, 1, tzinfo=UTC))
    result = Overconfident(score).analyse(images["png"], ctx)
    assert result.abstained
    assert result.error is not None and "outside [0, 1]" in result.error


def test_provenance_declaration_is_decisive(
    signals: list[MediaSignal], images: dict[str, DecodedImage]
) -> None:
    prov = next(s for s in signals if s.name == "provenance")
    ctx = MediaContext(text="", posted_at=datetime.now(UTC))
    declared = prov.analyse(images["xmp_ai"], ctx)
    assert declared.score == 1.0 and "trainedAlgorithmicMedia" in declared.reasons[0]
    assert prov.analyse(images["jpeg_plain"], ctx).abstained


def test_copy_move_can_be_switched_off() -> None:
    names = [s.name for s in build_signals(Settings(media_copy_move=False), BankIndexHolder())]
    assert "copy_move" not in names and names[:3] == ["pdq_match", "provenance", "out_of_context"]


def test_registry_refuses_duplicates_disorder_and_uncalibrated_signals(signals: list[MediaSignal]) -> None:
    reliability = load_reliability()
    with pytest.raises(RegistryError, match="duplicate"):
        check_registry([*signals, signals[0]], reliability)
    with pytest.raises(RegistryError, match="order"):
        check_registry(list(reversed(signals)), reliability)
    with pytest.raises(RegistryError, match="reliability"):
        check_registry(signals, {k: v for k, v in reliability.items() if k != "error_level"})
