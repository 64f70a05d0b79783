"""Real photographs shipped inside installed packages (no downloads), cut into
deterministic crops of realistic sizes, and the JPEG helpers the rest of the
benchmark shares.

Every source photo belongs to a *group*: crops of one photo, and the two frames
of the stereo motorcycle pair, are related images, so they never count as a
false match for one another.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

DESKTOP_BASE = Path("/usr/share/desktop-base")
CROP_SIZES: tuple[tuple[int, int], ...] = ((1024, 768), (800, 600), (768, 1024), (1080, 1080))


@dataclass(frozen=True)
class Photo:
    name: str
    group: str
    rgb: np.ndarray  # H×W×3 uint8, as shipped
    origin: str


@dataclass(frozen=True)
class Crop:
    photo: str
    group: str
    index: int
    rgb: np.ndarray
    upscale: float  # > 1 when the source photo had to be enlarged to fit the crop


def _rgb(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    return np.ascontiguousarray(img[..., :3].astype(np.uint8))


def _skimage_loaders() -> list[tuple[str, str, Callable[[], np.ndarray]]]:
    from skimage import data

    def left() -> np.ndarray:
        return np.asarray(data.stereo_motorcycle()[0])  # type: ignore[no-untyped-call]

    def right() -> np.ndarray:
        return np.asarray(data.stereo_motorcycle()[1])  # type: ignore[no-untyped-call]

    names = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "retina"]
    names += ["immunohistochemistry", "camera", "moon", "coins", "grass", "gravel", "brick"]
    out: list[tuple[str, str, Callable[[], np.ndarray]]] = [(n, n, getattr(data, n)) for n in names]
    return out + [("motorcycle_left", "motorcycle", left), ("motorcycle_right", "motorcycle", right)]


def load_photos() -> list[Photo]:
    """Every photo we can find locally; a loader that fails is skipped."""
    photos: list[Photo] = []
    for name, group, load in _skimage_loaders():
        try:
            photos.append(Photo(name, group, _rgb(np.asarray(load())), "skimage.data"))
        except Exception:  # a data file missing from this install: use the rest
            continue
    try:
        from sklearn.datasets import load_sample_images

        sample = load_sample_images()
        for fname, img in zip(sample.filenames, sample.images, strict=True):
            name = Path(fname).stem
            photos.append(Photo(name, name, _rgb(np.asarray(img)), "sklearn sample images"))
    except Exception:
        pass
    if DESKTOP_BASE.is_dir():
        for path in sorted(DESKTOP_BASE.rglob("*.jpg"))[:12]:
            try:
                with Image.open(path) as im:
                    rgb = _rgb(np.asarray(im.convert("RGB")))
            except Exception:
                continue
            photos.append(
                Photo(f"desktop-base/{path.stem}", f"desktop-base/{path.stem}", rgb, "desktop-base")
            )
    return photos


def crop(photo: Photo, size: tuple[int, int], rng: np.random.Generator, index: int) -> Crop:
    """A `size` (w, h) crop at a random position, the photo enlarged first
    (Lanczos) when it is smaller than the crop."""
    w, h = size
    ph, pw = photo.rgb.shape[:2]
    scale = max(w / pw, h / ph, 1.0)
    # Below 1.0 a further random shrink varies the framing between crops of big photos.
    if scale == 1.0:
        scale = max(w / pw, h / ph, float(rng.uniform(0.6, 1.0)))
    img = photo.rgb
    if scale != 1.0:
        size_s = (max(w, round(pw * scale)), max(h, round(ph * scale)))
        interp = cv2.INTER_LANCZOS4 if scale > 1 else cv2.INTER_AREA
        img = cv2.resize(img, size_s, interpolation=interp)
    y = int(rng.integers(0, img.shape[0] - h + 1))
    x = int(rng.integers(0, img.shape[1] - w + 1))
    return Crop(photo.name, photo.group, index, np.ascontiguousarray(img[y : y + h, x : x + w]), scale)


def crops(photos: list[Photo], per_photo: int, seed: int) -> list[Crop]:
    """`per_photo` crops of each photo, cycling through `CROP_SIZES`; crop 0 is
    always 1024×768 and crop 1 800×600."""
    out: list[Crop] = []
    for p_i, photo in enumerate(photos):
        rng = np.random.default_rng([seed, p_i, 17])
        out += [crop(photo, CROP_SIZES[i % len(CROP_SIZES)], rng, i) for i in range(per_photo)]
    return out


def jpeg(rgb: np.ndarray, quality: int, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.fromarray(rgb).save(buf, "JPEG", quality=int(quality), **kwargs)
    return buf.getvalue()


def unjpeg(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.ascontiguousarray(np.asarray(im.convert("RGB")))


def recompress(rgb: np.ndarray, quality: int) -> np.ndarray:
    return unjpeg(jpeg(rgb, quality))
