"""The ways a viral image is copied, for the PDQ recall table: each takes the
original RGB and a generator, and returns the copy as a viewer would see it."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from bench.media.photos import recompress

Transform = Callable[[np.ndarray, np.random.Generator], np.ndarray]
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _resize(rgb: np.ndarray, width: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def jpeg_q50(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return recompress(rgb, 50)


def resize_50(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return _resize(rgb, rgb.shape[1] // 2)


def crop_5_10(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """5–10% cut from each side, drawn per side."""
    h, w = rgb.shape[:2]
    left, right, top, bottom = (rng.uniform(0.05, 0.10) for _ in range(4))
    return rgb[round(h * top) : h - round(h * bottom), round(w * left) : w - round(w * right)].copy()


def crop_2(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """2% cut from each side: not in the brief's list, it shows where PDQ's crop cliff is."""
    h, w = rgb.shape[:2]
    return rgb[round(h * 0.02) : h - round(h * 0.02), round(w * 0.02) : w - round(w * 0.02)].copy()


def _text_lines(img: np.ndarray, x: int, y: int, lines: list[str], scale: float, step: int) -> None:
    for i, line in enumerate(lines):
        cv2.putText(img, line, (x, y + i * step), _FONT, scale, (20, 20, 20), max(1, round(scale * 2)))


def text_banner(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A white caption band of ~15% of the height added above the photo (a meme)."""
    h, w = rgb.shape[:2]
    band = np.full((round(h * 0.15), w, 3), 255, np.uint8)
    scale = band.shape[0] / 70
    words = ["WHEN YOU SEE IT", "THIS WAS TAKEN TODAY", "THEY DON'T WANT YOU TO KNOW"]
    text = words[int(rng.integers(0, len(words)))]
    _text_lines(band, round(w * 0.04), round(band.shape[0] * 0.65), [text], scale, 0)
    return np.vstack([band, rgb])


def hflip(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.ascontiguousarray(rgb[:, ::-1])


def rotate_5(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 5.0, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def platform(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a platform serves: 680 px wide, JPEG q75."""
    return recompress(_resize(rgb, 680), 75)


def letterbox(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Padded with black bars to 16:9."""
    h, w = rgb.shape[:2]
    if w / h < 16 / 9:
        pad = round(h * 16 / 9) - w
        return cv2.copyMakeBorder(rgb, 0, 0, pad // 2, pad - pad // 2, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    pad = round(w * 9 / 16) - h
    return cv2.copyMakeBorder(rgb, pad // 2, pad - pad // 2, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def screenshot(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone-style post: header, tweet text, the photo 600 px wide, action row."""
    photo = _resize(rgb, 600)
    ph = photo.shape[0]
    canvas = np.full((200 + ph + 110, 720, 3), 255, np.uint8)
    cv2.circle(canvas, (60, 60), 30, (29, 155, 240), -1)
    _text_lines(canvas, 105, 52, ["Breaking News Daily", "@breaking_daily_24 . 3h"], 0.7, 28)
    _text_lines(
        canvas, 30, 135, ["You won't believe what happened here today.", "Share before it's gone!"], 0.7, 30
    )
    canvas[200 : 200 + ph, 60:660] = photo
    _text_lines(canvas, 60, 200 + ph + 50, ["Reply 1.2K    Repost 8.4K    Like 21K    Views 2.1M"], 0.65, 0)
    return canvas  # screenshots are usually PNG: no further loss


TRANSFORMS: dict[str, Transform] = {
    "jpeg_q50": jpeg_q50,
    "resize_50": resize_50,
    "crop_2": crop_2,
    "crop_5_10": crop_5_10,
    "text_banner": text_banner,
    "hflip": hflip,
    "rotate_5": rotate_5,
    "platform": platform,
    "letterbox": letterbox,
    "screenshot": screenshot,
}
