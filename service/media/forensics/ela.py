"""Error-level analysis, scanned over qualities: a region that re-compresses unlike the rest.

Plain ELA (re-save once at quality 90, look at the difference) mostly shows
texture: busy regions change more, at any quality. Two things fix that here.
Each 16×16 block's error at one probe quality is divided by its mean error over
all probes, which is a local measure of its high-frequency energy, so texture
cancels. And the probes span qualities 50–80 ("JPEG ghosts", Farid 2009): a
region that was once compressed at quality q re-compresses almost losslessly
at q while the rest does not, or the reverse when the rest of the photo carries
the earlier compression. Probes within 3 of the file's own quality are skipped,
because the last save is idempotent everywhere and would hide the rest.

What scores is a spatially coherent minority of blocks, not scattered ones.
Saturated and flat blocks are left out: they re-compress losslessly at every
quality whatever their history.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from service.media.decode import DecodedImage
from service.media.signal import Judgement, MediaContext, MediaSignal, Role

_BLOCK = 16
# IJG luminance table at quality 50, natural order: the reference every libjpeg quality scales.
# fmt: off
_IJG_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
], np.float64)
# fmt: on


def estimate_quality(luma_table: list[int]) -> int:
    """The libjpeg quality whose table is closest; tables from other encoders get a rough answer."""
    scale = float(np.median(np.asarray(luma_table, np.float64) * 100 / _IJG_LUMA))
    quality = (200 - scale) / 2 if scale <= 100 else 5000 / scale
    return int(np.clip(round(quality), 1, 100))


# EXIF orientation → how to get back from the displayed pixels to the file's own (its 8×8 grid).
_UNDO: dict[int, Callable[[np.ndarray], np.ndarray]] = {2: np.fliplr, 3: lambda a: np.rot90(a, 2)}
_UNDO |= {4: np.flipud, 5: np.transpose}
_UNDO |= {6: lambda a: np.rot90(a, 1), 7: lambda a: np.rot90(a, 2).T, 8: lambda a: np.rot90(a, -1)}


def as_stored(displayed: np.ndarray, orientation: int | None) -> np.ndarray:
    undo = _UNDO.get(orientation or 1)
    return np.ascontiguousarray(undo(displayed)) if undo else displayed


def as_displayed(box: tuple[int, int, int, int], w: int, h: int, orientation: int | None) -> list[int]:
    """A box found on the file's w×h pixels, where a viewer sees it."""
    x, y, bw, bh = box
    rx, ry = w - x - bw, h - y - bh  # the box's position counted from the other edge
    turned = {5: [y, x], 6: [ry, x], 7: [ry, rx], 8: [y, rx]}
    if orientation in turned:
        return [*turned[orientation], bh, bw]
    return {2: [rx, y], 3: [rx, ry], 4: [x, ry]}.get(orientation or 1, [x, y]) + [bw, bh]


def largest_region(mask: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """Area and (x, y, w, h) box of the largest 8-connected component of a block mask."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return 0, (0, 0, 0, 0)
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[i])
    return area, (x, y, w, h)


class ErrorLevel(MediaSignal):
    name = "error_level"
    version = "1"
    role = Role.advisory

    def __init__(
        self, probes: tuple[int, ...] = (50, 60, 70, 80), z_threshold: float = 2.2, min_blocks: int = 12
    ) -> None:
        self.probes = probes
        self.z_threshold = z_threshold
        self.min_blocks = min_blocks

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        gray = as_stored(cv2.cvtColor(image.rgb, cv2.COLOR_RGB2GRAY), image.orientation)  # the file's grid
        bh, bw = gray.shape[0] // _BLOCK, gray.shape[1] // _BLOCK
        if bh < 8 or bw < 8:
            return Judgement(None, ("too small for error-level analysis",))
        quality = (
            estimate_quality(image.quantization[0])
            if image.quantization and 0 in image.quantization
            else None
        )
        probes = [q for q in self.probes if quality is None or abs(q - quality) > 3]
        if len(probes) < 2:
            return Judgement(None, ("no probe quality differs from the file's own",))
        y8 = np.ascontiguousarray(gray[: bh * _BLOCK, : bw * _BLOCK])
        errors = np.stack([_block_error(y8, q, bh, bw) for q in probes])
        mean = errors.mean(axis=0)
        saturated = _block_mean(((y8 < 4) | (y8 > 250)).astype(np.float32), bh, bw) > 0.2
        known = (mean > 0.5) & ~saturated
        n_known = int(known.sum())
        evidence: dict[str, object] = {
            "file_quality": quality,
            "probes": probes,
            "informative_blocks": n_known,
        }
        if n_known < 32 or n_known < 0.25 * bh * bw:
            return Judgement(None, ("too flat or saturated for error-level analysis",), evidence)
        k = known.astype(np.float32)
        k_win = np.maximum(cv2.boxFilter(k, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT), 1)
        best = (0, (0, 0, 0, 0), 0, 0.0)  # area, box, probe, mean z
        for q, err in zip(probes, errors, strict=True):
            ratio = np.log((err + 0.05) / (mean + 0.05))  # texture cancels; compression history remains
            med = float(np.median(ratio[known]))
            mad = 1.4826 * float(np.median(np.abs(ratio[known] - med))) + 0.02
            z = np.where(known, (ratio - med) / mad, 0).astype(np.float32)
            z = cv2.boxFilter(z, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT) / k_win
            for sign in (1.0, -1.0):
                area, box = largest_region(known & (sign * z > self.z_threshold))
                if best[0] < area < 0.5 * n_known:
                    x, y, w, h = box
                    best = (area, box, q, float(z[y : y + h, x : x + w].mean()))
        area, (x, y, w, h), q, zmean = best
        evidence["region_blocks"] = area
        if area < self.min_blocks:
            return Judgement(0.0, ("the image re-compresses evenly; no region stands out",), evidence)
        more_or_less = "more" if zmean > 0 else "less"
        corner, size = (x * _BLOCK, y * _BLOCK), (w * _BLOCK, h * _BLOCK)
        shown = as_displayed((*corner, *size), gray.shape[1], gray.shape[0], image.orientation)
        evidence |= {"probe_quality": q, "region_bbox_px": shown}
        evidence["region_z"] = round(zmean, 2)
        reasons = (
            f"a {shown[2]}×{shown[3]} px region re-compresses differently from the rest "
            f"(it changes {more_or_less} than its texture predicts when re-saved at quality {q})",
        )
        return Judgement(round(min(1.0, (area - self.min_blocks) / 100), 4), reasons, evidence)


def _block_mean(a: np.ndarray, bh: int, bw: int) -> np.ndarray:
    return cv2.resize(a, (bw, bh), interpolation=cv2.INTER_AREA)  # integer factor: exact block means


def _block_error(y8: np.ndarray, quality: int, bh: int, bw: int) -> np.ndarray:
    ok, enc = cv2.imencode(".jpg", y8, [cv2.IMWRITE_JPEG_QUALITY, quality])
    resaved = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE) if ok else None
    if resaved is None or resaved.shape != y8.shape:
        resaved = y8
    return _block_mean(cv2.absdiff(y8, resaved).astype(np.float32), bh, bw)
