"""Fixture images made at test time from real photos shipped with
scikit-image and scikit-learn: no binary test files in the repo."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import skimage.data
from PIL import Image


def photo(name: str = "astronaut", size: tuple[int, int] | None = (640, 480)) -> np.ndarray:
    rgb = np.asarray(getattr(skimage.data, name)())
    if rgb.ndim == 2:
        rgb = np.stack([rgb] * 3, axis=-1)
    img = Image.fromarray(rgb[..., :3].astype(np.uint8))
    return np.asarray(img.resize(size, Image.Resampling.LANCZOS) if size else img)


def encode(
    rgb: np.ndarray, fmt: str = "JPEG", quality: int = 90, exif: dict[int, object] | None = None, **kw: object
) -> bytes:
    img = Image.fromarray(rgb)
    out = io.BytesIO()
    params: dict[str, object] = dict(kw)
    if fmt == "JPEG":
        params["quality"] = quality
    if exif:
        e = Image.Exif()
        for tag, value in exif.items():
            if tag in (0x9003, 0x9004):  # DateTimeOriginal / Digitized live in the Exif IFD
                e.get_ifd(0x8769)[tag] = value
            else:
                e[tag] = value
        params["exif"] = e
    img.save(out, fmt, **params)
    return out.getvalue()


def camera_exif(taken: datetime) -> dict[int, object]:
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    return {0x010F: "Canon", 0x0110: "Canon EOS 5D Mark III", 0x0132: stamp, 0x9003: stamp}


def platform_copy(rgb: np.ndarray, crop: float = 0.07, width: int = 560, quality: int = 70) -> bytes:
    """What a repost looks like: cropped at the edges, shrunk, recompressed."""
    h, w = rgb.shape[:2]
    dy, dx = int(h * crop), int(w * crop)
    img = Image.fromarray(rgb[dy : h - dy, dx : w - dx])
    img = img.resize((width, round(width * img.height / img.width)), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()
