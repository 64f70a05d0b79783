"""Decoding untrusted bytes: the fuzz corpus and the bounds.

Nothing here may raise anything but MediaDecodeError, and the API must
answer every such input with a 4xx.
"""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from service.media.decode import DecodeLimits, MediaDecodeError, decode_image
from tests.media_fixtures import encode, photo

LIMITS = DecodeLimits(max_bytes=5_000_000, max_pixels=20_000_000)


def _png_with_size(width: int, height: int) -> bytes:
    """A real 16×16 PNG whose header claims another size: the classic bomb
    shape, where the header promises billions of pixels."""
    data = encode(photo("astronaut", (16, 16)), "PNG")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    return data[:8] + patched + data[8 + 25 :]


def _zlib_bomb() -> bytes:
    """A 5000×5000 PNG of zeros: 25M pixels in a few kilobytes."""
    out = io.BytesIO()
    Image.new("L", (5000, 5000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def _fuzz_corpus() -> dict[str, bytes]:
    jpeg = encode(photo("astronaut"))
    png = encode(photo("coffee"), "PNG")
    rng = np.random.default_rng(7)
    return {
        "empty": b"",
        "random": rng.bytes(4096),
        "truncated_jpeg": jpeg[: len(jpeg) // 3],
        "jpeg_header_only": jpeg[:20],
        "truncated_png": png[: len(png) // 2],
        "png_signature_only": b"\x89PNG\r\n\x1a\n",
        "bomb_header": _png_with_size(100_000, 100_000),
        "zero_width": _png_with_size(0, 100),
        "zlib_bomb": _zlib_bomb(),
        "gif_garbage": b"GIF89a" + rng.bytes(200),
        "webp_garbage": b"RIFF\x00\x01\x00\x00WEBPVP8 " + rng.bytes(300),
        "bmp": encode(photo("coffee"), "BMP"),
        "tiff": encode(photo("coffee"), "TIFF"),
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "too_large": b"\xff\xd8\xff" + b"\0" * 5_000_001,
        "tiny": encode(photo("astronaut", (4, 4)), "PNG"),
    }


@pytest.mark.parametrize("name", sorted(_fuzz_corpus()))
def test_fuzz_corpus_is_rejected_with_a_reason(name: str) -> None:
    with pytest.raises(MediaDecodeError) as err:
        decode_image(_fuzz_corpus()[name], LIMITS)
    assert str(err.value)


def test_pixel_limit_is_checked_before_decoding() -> None:
    with pytest.raises(MediaDecodeError, match="pixels"):
        decode_image(_png_with_size(100_000, 100_000), LIMITS)
    with pytest.raises(MediaDecodeError, match="pixels"):
        decode_image(_zlib_bomb(), DecodeLimits(max_pixels=1_000_000))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_each_allowed_format_decodes_to_rgb(fmt: str) -> None:
    img = decode_image(encode(photo("chelsea", (320, 240)), fmt), LIMITS)
    assert img.format == fmt and img.rgb.shape == (240, 320, 3) and img.rgb.dtype == np.uint8
    assert (img.quantization is not None) == (fmt == "JPEG")


def test_exif_orientation_is_applied() -> None:
    rgb = photo("chelsea", (320, 240))
    rotated = decode_image(encode(rgb, exif={0x0112: 6}), LIMITS)  # 6 = rotate 90° clockwise to view
    assert rotated.rgb.shape == (320, 240, 3) and rotated.orientation == 6


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 "]),
    header=st.binary(max_size=64),
    tail=st.binary(max_size=512),
)
def test_hypothesis_headers_never_escape_as_other_errors(prefix: bytes, header: bytes, tail: bytes) -> None:
    with contextlib.suppress(MediaDecodeError):
        decode_image(prefix + header + tail, LIMITS)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=1, max_value=4000), flip=st.integers(min_value=0, max_value=4000))
def test_damaged_real_jpegs_decode_or_fail_cleanly(cut: int, flip: int) -> None:
    data = bytearray(encode(photo("astronaut", (128, 96))))
    data[flip % len(data)] ^= 0xFF
    with contextlib.suppress(MediaDecodeError):
        decode_image(bytes(data[: max(1, len(data) - cut)]), LIMITS)
