"""The advisory forensic signals, on real photos edited at test time.

Every comparison is between an edited photo and the same photo unedited (or
edited innocently), so the tests check what each signal is for, not a number
it happens to produce today.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from functools import cache

import numpy as np
import pytest
import skimage.data
from PIL import ExifTags, Image

from service.media.decode import DecodedImage, DecodeLimits, decode_image
from service.media.forensics import ADVISORY, CopyMove, DoubleJpeg, ErrorLevel, Metadata
from service.media.signal import MediaContext, MediaSignal, SignalResult

CTX = MediaContext(text="look at this", posted_at=datetime(2024, 5, 1))


@cache
def photo(name: str) -> np.ndarray:
    rgb: np.ndarray = getattr(skimage.data, name)()
    rgb.setflags(write=False)
    return rgb


def jpeg(rgb: np.ndarray, quality: int, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return buf.getvalue()


def png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).copy()


def decoded(data: bytes) -> DecodedImage:
    return decode_image(data, DecodeLimits())


def run(signal: MediaSignal, data: bytes) -> SignalResult:
    result = signal.analyse(decoded(data), CTX)
    assert result.error is None, result.error
    json.dumps(result.evidence)  # evidence travels in API responses
    return result


def paste(host: np.ndarray, patch: np.ndarray, at: tuple[int, int]) -> np.ndarray:
    out = host.copy()
    out[at[0] : at[0] + patch.shape[0], at[1] : at[1] + patch.shape[1]] = patch
    return out


# The classic splice: a photo already saved at quality 60 gets a region from another, uncompressed
# photo and is saved again at 90. Its innocent twin is the same photo re-saved without the paste.
SPLICE_AT, SPLICE = (40, 400), 160


@cache
def recompressed_host() -> bytes:
    return jpeg(pixels(jpeg(photo("coffee"), 60)), 90)


@cache
def spliced(orientation: int = 1) -> bytes:
    donor = photo("chelsea")[60 : 60 + SPLICE, 150 : 150 + SPLICE]
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return jpeg(paste(pixels(jpeg(photo("coffee"), 60)), donor, SPLICE_AT), 90, exif)


def overlaps_splice(box: list[int], rotated_cw: bool = False) -> bool:
    """Whether a reported box covers at least a quarter of the pasted region, as a viewer sees it."""
    mask = np.zeros(photo("coffee").shape[:2], bool)
    mask[SPLICE_AT[0] : SPLICE_AT[0] + SPLICE, SPLICE_AT[1] : SPLICE_AT[1] + SPLICE] = True
    if rotated_cw:
        mask = np.rot90(mask, -1)
    x, y, w, h = box
    return bool(mask[y : y + h, x : x + w].sum() >= SPLICE * SPLICE / 4)


def test_double_jpeg_abstains_on_png() -> None:
    result = run(DoubleJpeg(), png(photo("astronaut")))
    assert result.abstained
    assert result.reasons == ("not a JPEG",)


def test_double_jpeg_abstains_when_compressed_once() -> None:
    result = run(DoubleJpeg(), jpeg(photo("astronaut"), 90))
    assert result.abstained
    assert result.reasons == ("no double compression seen",)


def test_double_jpeg_scores_a_splice_above_the_recompressed_host() -> None:
    host, edited = run(DoubleJpeg(), recompressed_host()), run(DoubleJpeg(), spliced())
    assert host.score is not None, "the host was compressed twice; the signal should see it"
    assert edited.score is not None and edited.score > host.score
    assert host.score < 0.5, "double compression alone is what every re-posted photo looks like"
    assert overlaps_splice(edited.evidence["region_bbox_px"])


def test_error_level_finds_the_splice_and_not_the_recompression() -> None:
    host, edited = run(ErrorLevel(), recompressed_host()), run(ErrorLevel(), spliced())
    assert host.score is not None and edited.score is not None
    assert edited.score > host.score
    assert overlaps_splice(edited.evidence["region_bbox_px"])
    assert "region" in edited.reasons[0]


@pytest.mark.parametrize("signal", [DoubleJpeg(), ErrorLevel()], ids=lambda s: s.name)
def test_regions_are_reported_where_a_viewer_sees_them(signal: MediaSignal) -> None:
    """A phone photo is stored sideways with EXIF Orientation 6; the 8×8 grid is the stored one."""
    result = run(signal, spliced(orientation=6))
    assert result.score is not None and result.score > 0
    assert overlaps_splice(result.evidence["region_bbox_px"], rotated_cw=True)
    assert not overlaps_splice(result.evidence["region_bbox_px"])


def test_error_level_abstains_on_a_flat_image() -> None:
    flat = np.full((300, 400, 3), (40, 90, 160), np.uint8)
    assert run(ErrorLevel(), jpeg(flat, 85)).abstained


@pytest.mark.parametrize("name", ["astronaut", "chelsea"])
def test_copy_move_scores_a_cloned_patch_above_the_original(name: str) -> None:
    rgb = photo(name)
    h, w = rgb.shape[:2]
    cloned = paste(rgb, rgb[h // 5 : h // 5 + 120, w // 6 : w // 6 + 120], (h // 2, w // 2))
    original, edited = run(CopyMove(), jpeg(rgb, 85)), run(CopyMove(), jpeg(cloned, 85))
    assert original.score is not None and edited.score is not None
    assert edited.score > original.score
    tx, ty, _, _ = edited.evidence["copy_b_bbox_px"]
    sx, sy, _, _ = edited.evidence["copy_a_bbox_px"]
    assert abs(tx - w // 2) < 40 and abs(ty - h // 2) < 40
    assert abs(sx - w // 6) < 40 and abs(sy - h // 5) < 40


def test_copy_move_abstains_without_keypoints() -> None:
    assert run(CopyMove(), png(np.full((200, 200, 3), 128, np.uint8))).abstained


def camera_exif(software: str | None = None, modified: str = "2024:03:01 09:00:05") -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "Canon", "Canon EOS 5D Mark IV"
    exif[ExifTags.Base.DateTime] = modified
    if software is not None:
        exif[ExifTags.Base.Software] = software
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = "2024:03:01 09:00:00"
    sub[ExifTags.Base.ExposureTime] = 0.008
    return exif


def metadata_score(exif: Image.Exif | None) -> float | None:
    return run(Metadata(), jpeg(photo("astronaut"), 90, exif)).score


def test_metadata_abstains_without_any() -> None:
    result = run(Metadata(), jpeg(photo("astronaut"), 90))
    assert result.abstained
    assert result.reasons == ("no metadata to read",)


def test_metadata_ranks_editing_traces_above_a_camera_original() -> None:
    camera = metadata_score(camera_exif())
    photoshop = metadata_score(camera_exif("Adobe Photoshop 25.4 (Windows)"))
    lightroom = metadata_score(camera_exif("Adobe Photoshop Lightroom Classic 13.2 (Windows)"))
    late = metadata_score(camera_exif(modified="2024:09:14 18:00:00"))
    assert camera is not None and photoshop is not None and lightroom is not None and late is not None
    assert photoshop > lightroom > camera
    assert late > camera


def test_metadata_reads_xmp_when_there_is_no_exif() -> None:
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="GIMP 2.10"/>'
        "</rdf:RDF></x:xmpmeta>"
    )
    buf = io.BytesIO()
    Image.fromarray(photo("astronaut")).save(buf, "JPEG", quality=90, xmp=xmp.encode())
    result = run(Metadata(), buf.getvalue())
    assert result.score is not None and result.score > 0
    assert "GIMP" in result.reasons[0]


def test_metadata_stays_modest_however_much_it_finds() -> None:
    exif = camera_exif("GIMP 2.10", modified="2025:01:01 00:00:00")
    del exif[ExifTags.Base.Make], exif[ExifTags.Base.Model]
    result = run(Metadata(), jpeg(photo("astronaut"), 90, exif))
    assert result.score is not None and 0 < result.score <= Metadata().cap
    assert len(result.reasons) >= 3


def _odd_images() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    grey = io.BytesIO()
    Image.fromarray(photo("camera")).save(grey, "JPEG", quality=80)
    return {
        "8x8": jpeg(rng.integers(0, 255, (8, 8, 3), np.uint8), 90),
        "flat": jpeg(np.zeros((64, 64, 3), np.uint8), 90),
        "strip": png(rng.integers(0, 255, (8, 900, 3), np.uint8)),
        "noise": jpeg(rng.integers(0, 255, (300, 300, 3), np.uint8), 70),
        "greyscale jpeg": grey.getvalue(),
        "mirrored": spliced(orientation=2),
        "odd size": jpeg(pixels(recompressed_host())[:333, :517], 95),
    }


@pytest.mark.parametrize("signal", [cls() for cls in ADVISORY], ids=lambda s: s.name)
def test_signals_never_raise_on_odd_images(signal: MediaSignal) -> None:
    for label, data in _odd_images().items():
        result = run(signal, data)
        assert result.score is None or 0.0 <= result.score <= 1.0, label
        assert result.reasons, label
