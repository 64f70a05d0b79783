"""PDQ perceptual hashes of the views of an image a copy is likely to keep.

Viral fakes come back as screenshots, letterboxed reposts, mirrored and
re-encoded copies. We hash up to four views (as sent, uniform borders trimmed,
caption bands removed, and the largest photo-like rectangle, which recovers
the photo inside a screenshot), each in all eight dihedral orientations. Every view is first
shrunk to at most 512 px with area averaging: PDQ downsamples to 64×64 anyway,
this makes hashing about 6× cheaper, and bank entries are hashed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pdqhash

MIN_QUALITY = 50  # below this PDQ itself calls a hash unreliable (flat or tiny images)
_MAX_SIDE = 512


@dataclass(frozen=True)
class PdqHash:
    bits: np.ndarray  # (4,) uint64, big-endian bit order of the hex form
    quality: int

    @property
    def hex(self) -> str:
        return "".join(f"{int(w):016x}" for w in self.bits)

    @classmethod
    def from_hex(cls, text: str, quality: int = 100) -> PdqHash:
        text = text.strip().lower()
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValueError("a PDQ hash is 64 hexadecimal characters")
        words = [int(text[i : i + 16], 16) for i in range(0, 64, 16)]
        return cls(np.array(words, dtype=np.uint64), quality)


@dataclass(frozen=True)
class ViewHashes:
    view: str  # "as_sent" | "trimmed" | "photo_region"
    box: tuple[int, int, int, int]  # x, y, w, h in the oriented image
    hashes: tuple[PdqHash, ...]  # 8 dihedral variants; the first is the view itself
    quality: int


def _pack(bits: np.ndarray) -> np.ndarray:
    packed = np.packbits(bits.astype(np.uint8))  # 32 bytes, first bit most significant
    return packed.view(">u8").astype(np.uint64)


def _shrink(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = _MAX_SIDE / max(h, w)
    if scale >= 1:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def hash_image(rgb: np.ndarray) -> PdqHash:
    bits, quality = pdqhash.compute(np.ascontiguousarray(_shrink(rgb)))
    return PdqHash(_pack(bits), int(quality))


CROP_LEVELS = (0.02, 0.04, 0.06, 0.08, 0.10, 0.12)


def bank_hashes(rgb: np.ndarray) -> tuple[PdqHash, tuple[PdqHash, ...]]:
    """The hash a bank entry is known by, plus derived hashes that make the
    entry findable from the copies PDQ alone misses.

    PDQ is shift-sensitive: a 2% crop per side already moves a hash ~35 bits.
    Platforms crop centrally (zoomed thumbnails), so the entry also carries
    its symmetric centre crops in 2% steps, leaving at most 1% per side to
    absorb. The dihedral variants PDQ derives from one DCT are approximate for
    mirrors (a median 16 bits off on the benchmark), so the exact mirror is
    hashed too."""
    primary = hash_image(rgb)
    h, w = rgb.shape[:2]
    derived = [hash_image(np.ascontiguousarray(rgb[:, ::-1]))]
    for c in CROP_LEVELS:
        dy, dx = round(h * c), round(w * c)
        derived.append(hash_image(rgb[dy : h - dy, dx : w - dx]))
    return primary, tuple(derived)


def _dihedral(rgb: np.ndarray) -> tuple[tuple[PdqHash, ...], int]:
    variants, quality = pdqhash.compute_dihedral(np.ascontiguousarray(_shrink(rgb)))
    return tuple(PdqHash(_pack(v), int(quality)) for v in variants), int(quality)


def trim_box(rgb: np.ndarray, tolerance: float = 10.0) -> tuple[int, int, int, int]:
    """The box left after removing rows and columns close to the corner colour
    (letterbox bars, padding); the whole image if nothing is uniform."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    border = np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]))
    content = np.abs(gray - border) > tolerance
    rows, cols = np.flatnonzero(content.any(axis=1)), np.flatnonzero(content.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return 0, 0, gray.shape[1], gray.shape[0]
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


def photo_region_box(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest rectangle of continuous texture, if it covers 15–92% of the
    image: the photo inside a screenshot or a meme with a caption band."""
    h, w = rgb.shape[:2]
    small = _shrink(rgb)
    scale = w / small.shape[1]
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = (cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 12).astype(np.uint8)
    texture = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(texture, connectivity=8)
    best = None
    area = small.shape[0] * small.shape[1]
    for x, y, bw, bh, _count in stats[1:n]:
        frac = bw * bh / area
        if 0.15 <= frac <= 0.92 and (best is None or bw * bh > best[2] * best[3]):
            best = (int(x), int(y), int(bw), int(bh))
    if best is None:
        return None
    x, y, bw, bh = (round(v * scale) for v in best)
    return x, y, min(bw, w - x), min(bh, h - y)


def caption_free_box(rgb: np.ndarray, share: float = 0.35, tolerance: int = 24) -> tuple[int, int, int, int]:
    """Strip caption bands: from the top and bottom, when the outermost row is
    one flat colour, remove rows while at least `share` of their pixels keep
    that colour (text on a meme's band covers well under two thirds of a row,
    so the band goes and the photo stays; strict `trim_box` stops at the
    text). Side margins go only when they have a stripped band's colour, as
    in a screenshot's canvas, so a photo's own dark sky is never cut."""
    img = _shrink(rgb).astype(np.int16)
    scale_y, scale_x = rgb.shape[0] / img.shape[0], rgb.shape[1] / img.shape[1]
    bands: list[np.ndarray] = []

    def strip(lines: np.ndarray, sides: bool) -> int:  # lines: (n, length, 3), outermost first
        colour = np.median(lines[0], axis=0)
        close = np.abs(lines - colour).max(axis=2) <= tolerance
        if close[0].mean() < 0.9:
            return 0
        if sides and not any(np.abs(colour - b).max() <= tolerance for b in bands):
            return 0
        limit, n = int(len(lines) * 0.4), 0
        while n < limit and close[n].mean() >= share:
            n += 1
        if not sides and n:
            shares = close[:n].mean(axis=1)
            if np.median(shares) < 0.98 or (shares < 0.95).mean() < 0.1:
                return 0  # not padding around text: a flat part of the photo (a night sky)
            bands.append(colour)
        return n

    top, bottom = strip(img, False), strip(img[::-1], False)
    cols = img[top : img.shape[0] - bottom].transpose(1, 0, 2)
    left, right = strip(cols, True), strip(cols[::-1], True)
    y0, y1 = round(top * scale_y), round((img.shape[0] - bottom) * scale_y)
    x0, x1 = round(left * scale_x), round((img.shape[1] - right) * scale_x)
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def view_hashes(rgb: np.ndarray) -> list[ViewHashes]:
    """Dihedral hashes of every distinct view; views that barely differ from
    the image as sent are not hashed twice."""
    h, w = rgb.shape[:2]
    boxes = {"as_sent": (0, 0, w, h), "trimmed": trim_box(rgb), "caption_free": caption_free_box(rgb)}
    region = photo_region_box(rgb)
    if region is not None:
        boxes["photo_region"] = region
    out: list[ViewHashes] = []
    seen: list[tuple[int, int, int, int]] = []
    for view, box in boxes.items():
        x, y, bw, bh = box
        if min(bw, bh) < 32 or any(_same_box(box, s, w, h) for s in seen):
            continue
        seen.append(box)
        hashes, quality = _dihedral(rgb[y : y + bh, x : x + bw])
        out.append(ViewHashes(view, box, hashes, quality))
    return out


def _same_box(a: tuple[int, int, int, int], b: tuple[int, int, int, int], w: int, h: int) -> bool:
    return all(abs(p - q) <= 0.02 * max(w, h) for p, q in zip(a, b, strict=True))
