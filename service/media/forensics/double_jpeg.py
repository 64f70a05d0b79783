"""Aligned double-JPEG quantisation: which blocks lack the first compression.

A photo saved as JPEG, decoded and saved again on the same 8×8 grid keeps a
fingerprint of the first quantiser: the histogram of each DCT coefficient,
divided by the second quantiser, shows periodic empty bins or doubled peaks.
Re-posted and re-saved photos all carry it, so finding it means nothing by
itself. What matters is a *region* whose coefficients follow the smooth,
single-compression histogram instead: a patch pasted from elsewhere before the
last save never saw the first quantiser (Lin et al. 2009, "Fast, automatic and
fine-grained tampered JPEG image detection via DCT coefficient analysis").

Blind spots: a first compression finer than the second by an integer factor
leaves no trace; cropping off the grid turns it into non-aligned double
compression, which this does not test; saturated and flat blocks carry no
information and are left out.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from service.media.decode import DecodedImage
from service.media.forensics.ela import as_displayed, largest_region
from service.media.signal import Judgement, MediaContext, MediaSignal, Role

_N = np.arange(8)
_DCT = (
    np.sqrt(np.where(_N[:, None] == 0, 1, 2) / 8) * np.cos((2 * _N[None, :] + 1) * _N[:, None] * np.pi / 16)
).astype(np.float32)
# The first ten AC positions in zig-zag order: populated enough to histogram, coarse enough to show DQ.
_POSITIONS = ((0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0), (4, 0))
_BINS = 40


class DoubleJpeg(MediaSignal):
    name = "double_jpeg"
    version = "1"
    role = Role.advisory

    def __init__(self, min_blocks: int = 500, min_dq_positions: int = 3, llr_threshold: float = 0.2) -> None:
        self.min_blocks = min_blocks
        self.min_dq_positions = min_dq_positions
        self.llr_threshold = llr_threshold

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        if image.quantization is None or 0 not in image.quantization:
            return Judgement(None, ("not a JPEG",))
        y = _stored_luma(image.raw)  # the file's own Y plane, on the file's own grid (no EXIF rotation)
        if y is None:
            return Judgement(None, ("not a YCbCr or greyscale JPEG",))
        bh, bw = y.shape[0] // 8, y.shape[1] // 8
        if bh * bw < self.min_blocks:
            return Judgement(None, ("too small to measure double compression",))
        stored_h, stored_w = y.shape
        y = np.ascontiguousarray(y[: bh * 8, : bw * 8])
        coef = _block_dct(y - 128.0, bh, bw)
        qtable = np.asarray(image.quantization[0], np.float32).reshape(8, 8)  # Pillow: natural order
        saturated = ((y <= 2) | (y >= 253)).astype(np.float32)
        clipped = cv2.resize(saturated, (bw, bh), interpolation=cv2.INTER_AREA) > 0.2
        llr, count = np.zeros((bh, bw), np.float32), np.zeros((bh, bw), np.float32)
        strengths: list[float] = []
        for u, v in _POSITIONS:
            k = np.minimum(np.abs(np.rint(coef[u, :, :, v] / qtable[u, v])), _BINS + 1).astype(np.intp)
            hist = np.bincount(k.ravel(), minlength=_BINS + 2)[1 : _BINS + 1].astype(np.float64)
            tv = _periodicity(hist)
            strengths.append(round(tv, 3))
            if tv < 0:
                continue
            # Per coefficient: log P(value | single compression) − log P(value | double), where the
            # single-compression histogram is the double one with its periodic structure smoothed out.
            smooth = np.convolve(np.pad(hist, 2, mode="edge"), np.ones(5) / 5, "valid")
            table = np.zeros(_BINS + 2, np.float32)
            table[1 : _BINS + 1] = np.clip(np.log((smooth + 1) / (hist + 1)), -3, 3)
            llr += table[k]
            count += (k > 0) & (k <= _BINS)
        evidence: dict[str, object] = {"dq_excess": strengths, "blocks": bh * bw}
        n_dq = sum(s >= 0 for s in strengths)
        if n_dq < self.min_dq_positions:
            return Judgement(None, ("no double compression seen",), evidence)
        count[clipped], llr[clipped] = 0, 0
        win_llr = cv2.boxFilter(llr, -1, (5, 5), normalize=False, borderType=cv2.BORDER_CONSTANT)
        win_n = cv2.boxFilter(count, -1, (5, 5), normalize=False, borderType=cv2.BORDER_CONSTANT)
        known = win_n >= 20
        mean_llr = np.where(known, win_llr / np.maximum(win_n, 1), 0.0)
        area, (x, y0, w, h) = largest_region(known & (mean_llr > self.llr_threshold))
        n_known = int(known.sum())
        evidence |= {"dq_positions": n_dq, "region_blocks": area, "informative_blocks": n_known}
        if area < 40 or n_known == 0:
            return Judgement(
                0.0,
                ("the whole image shows one double-compression history (normal for a re-saved photo)",),
                evidence,
            )
        frac = area / n_known
        score = min(1.0, (area - 40) / 300) * (0.5 if frac > 0.5 else 1.0)
        box = as_displayed((x * 8, y0 * 8, w * 8, h * 8), stored_w, stored_h, image.orientation)
        evidence |= {"region_fraction": round(frac, 3), "region_bbox_px": box}
        reasons = (
            f"the image was compressed twice, but a {box[2]}×{box[3]} px region shows only the last "
            "compression (consistent with a patch pasted in before the last save)",
        )
        return Judgement(round(score, 4), reasons, evidence)


def _block_dct(y: np.ndarray, bh: int, bw: int) -> np.ndarray:
    """The 5×5 lowest-frequency DCT coefficients of every 8×8 block, indexed [u, row, col, v]: two
    large matrix products instead of one tiny product per block."""
    rows = (y.reshape(-1, 8) @ _DCT[:5].T).reshape(bh, 8, bw * 5)
    cols = _DCT[:5] @ rows.transpose(1, 0, 2).reshape(8, -1)
    return cols.reshape(5, bh, bw, 5)


def _stored_luma(raw: bytes) -> np.ndarray | None:
    try:
        with Image.open(io.BytesIO(raw)) as img:
            img.draft("L", img.size)  # libjpeg hands over Y itself: no RGB round trip, no rounding noise
            if img.mode != "L":
                return None
            return np.asarray(img, dtype=np.float32)
    except Exception:  # decode_image already read these bytes; anything odd here means "cannot tell"
        return None


def _periodicity(hist: np.ndarray) -> float:
    """How far the histogram departs from its own log-smooth version, beyond what counting noise
    would explain: ≥ 0 means a double-quantisation pattern. The log-smooth version follows the
    roughly Laplacian fall-off of natural images, so only the periodic ripples count."""
    total = hist.sum()
    if total < 200:
        return -1.0
    smooth = np.maximum(
        np.exp(np.convolve(np.pad(np.log1p(hist), 1, mode="edge"), np.ones(3) / 3, "valid")) - 1, 0.5
    )
    tv = float(np.abs(hist - smooth).sum() / total)
    noise = float(np.sqrt(2 * smooth / np.pi).sum() / total)
    return tv - (0.4 + 2 * noise)
