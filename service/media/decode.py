"""Decode untrusted image bytes within fixed bounds.

Every way an upload can be wrong (too many bytes, too many pixels, a format we
do not read, a truncated or corrupt stream, a decompression bomb) ends in a
`MediaDecodeError` with a reason a client can act on. Pixel counts are checked
from the header, before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageOps

from service.settings import Settings

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
Image.MAX_IMAGE_PIXELS = None  # our own limit applies, before Pillow's warning would


class MediaDecodeError(ValueError):
    """The bytes are not an image we will analyse; the message says why."""


class MediaTooLargeError(MediaDecodeError):
    """The file is over the byte limit: a 413 rather than a 422."""


@dataclass(frozen=True)
class DecodeLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> DecodeLimits:
        return cls(max_bytes=settings.media_max_bytes, max_pixels=settings.media_max_pixels)


@dataclass(frozen=True)
class DecodedImage:
    """One still image, oriented as a viewer sees it, with what its file said."""

    rgb: np.ndarray  # H×W×3 uint8, EXIF orientation applied
    format: str
    raw: bytes
    exif: dict[str, Any] = field(default_factory=dict)  # tag name → value, IFD0 + Exif IFD
    xmp: str | None = None
    quantization: dict[int, list[int]] | None = None  # JPEG tables, natural order per Pillow
    orientation: int | None = None

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def gray(self) -> np.ndarray:
        """Luma as float32 (ITU-R BT.601, as JPEG encodes it)."""
        r, g, b = (self.rgb[..., i].astype(np.float32) for i in range(3))
        luma: np.ndarray = 0.299 * r + 0.587 * g + 0.114 * b
        return luma


def decode_image(data: bytes, limits: DecodeLimits) -> DecodedImage:
    if not data:
        raise MediaDecodeError("empty file")
    if len(data) > limits.max_bytes:
        raise MediaTooLargeError(f"{len(data)} bytes; the limit is {limits.max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = (img.format or "").upper()
            if fmt not in ALLOWED_FORMATS:
                raise MediaDecodeError(
                    f"format {fmt or 'unknown'} is not accepted; send JPEG, PNG, WebP or GIF"
                )
            w, h = img.size
            if w <= 0 or h <= 0 or w * h > limits.max_pixels:
                raise MediaDecodeError(f"{w}×{h} pixels; the limit is {limits.max_pixels} pixels")
            img.seek(0)  # GIF and animated WebP: the first frame only
            img.load()
            exif = _exif(img)
            xmp = _xmp(img)
            tables = getattr(img, "quantization", None) if fmt == "JPEG" else None
            quant = {int(k): list(v) for k, v in tables.items()} if tables else None
            orientation = exif.get("Orientation")
            oriented = ImageOps.exif_transpose(img) or img
            rgb = np.asarray(oriented.convert("RGB"), dtype=np.uint8)
    except MediaDecodeError:
        raise
    except Exception as exc:  # Pillow raises many types for hostile input; all mean the same here
        raise MediaDecodeError(f"cannot decode image: {type(exc).__name__}: {exc}"[:300]) from None
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 8:
        raise MediaDecodeError(f"image is {rgb.shape[1]}×{rgb.shape[0]}; at least 8×8 is needed")
    return DecodedImage(
        rgb=np.ascontiguousarray(rgb),
        format=fmt,
        raw=data,
        exif=exif,
        xmp=xmp,
        quantization=quant,
        orientation=int(orientation) if isinstance(orientation, int) else None,
    )


def _exif(img: Image.Image) -> dict[str, Any]:
    raw = img.getexif()
    out: dict[str, Any] = {ExifTags.TAGS.get(k, str(k)): v for k, v in raw.items()}
    for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
        try:
            sub = raw.get_ifd(ifd)
        except Exception:  # a broken sub-IFD is itself a metadata anomaly, not a decode failure
            out.setdefault("_broken_ifds", []).append(ifd.name)
            continue
        names = ExifTags.GPSTAGS if ifd is ExifTags.IFD.GPSInfo else ExifTags.TAGS
        out.update({names.get(k, str(k)): v for k, v in sub.items()})
    return out


def _xmp(img: Image.Image) -> str | None:
    blob = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if isinstance(blob, bytes):
        return blob.decode("utf-8", "replace")
    return blob if isinstance(blob, str) else None
