"""The labelled forensic set: every host crop as authentic, spliced and
copy-moved, each rendered in three compression conditions.

* `single`: the final image saved once as JPEG, q ∈ [75, 95].
* `history`: the host was a JPEG at q1 ∈ [50, 85] before the edit; the result
  is saved aligned (no resize) at q2 ∈ [86, 95]: the classic double-JPEG case.
  A spliced donor carries its own earlier compression (q ∈ [70, 95]) and is
  pasted at a random offset, so its 8×8 grid is almost never aligned.
* `laundered`: the `single` file shrunk to 0.5–0.8× (at most 1200 px wide)
  and re-saved at q ∈ [80, 85] without EXIF, as platforms do.

The geometry of each edit and the qualities are drawn once per host and shared
by its three kinds, so authentic and edited images differ only in the edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from bench.media.exif import draw_profile, exif_for
from bench.media.photos import Crop, jpeg, recompress, unjpeg

KINDS = ("authentic", "spliced", "copy_moved")
CONDITIONS = ("single", "history", "laundered")


@dataclass(frozen=True)
class Sample:
    host: str
    kind: str  # one of KINDS
    condition: str  # one of CONDITIONS
    data: bytes
    exif: str  # the EXIF profile written (see bench.media.exif)


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    w: int
    h: int
    mask: np.ndarray  # h×w float32 alpha in [0, 1]


def _region(rng: np.random.Generator, width: int, height: int, lo: float, hi: float) -> Region:
    """A rectangle or ellipse covering lo–hi of the image, feathered half the time."""
    ellipse = bool(rng.random() < 0.5)
    area = rng.uniform(lo, hi) * width * height * (4 / np.pi if ellipse else 1.0)  # an ellipse fills π/4
    aspect = rng.uniform(0.6, 1.6)
    w = min(width - 2, round(np.sqrt(area * aspect)))
    h = min(height - 2, round(area / w))
    x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
    mask = np.ones((h, w), np.float32)
    if ellipse:
        mask = np.zeros((h, w), np.float32)
        cv2.ellipse(mask, (w // 2, h // 2), (w // 2, h // 2), 0, 0, 360, 1.0, -1)
    if rng.random() < 0.5:  # feathered: the edge fades over a few pixels
        sigma = float(rng.uniform(1.5, 4.0))
        mask = cv2.GaussianBlur(mask, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    return Region(x, y, w, h, mask)


def _paste(host: np.ndarray, patch: np.ndarray, r: Region) -> np.ndarray:
    out = host.astype(np.float32)
    m = r.mask[..., None]
    roi = out[r.y : r.y + r.h, r.x : r.x + r.w]
    out[r.y : r.y + r.h, r.x : r.x + r.w] = roi * (1 - m) + patch.astype(np.float32) * m
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _splice(host: np.ndarray, donor: np.ndarray, r: Region, src: tuple[int, int]) -> np.ndarray:
    sx, sy = src
    return _paste(host, donor[sy : sy + r.h, sx : sx + r.w], r)


def _copy_move(host: np.ndarray, r: Region, src: tuple[int, int], warp: tuple[float, float]) -> np.ndarray:
    sx, sy = src
    patch = host[sy : sy + r.h, sx : sx + r.w]
    angle, scale = warp
    if angle or scale != 1.0:
        m = cv2.getRotationMatrix2D((r.w / 2, r.h / 2), angle, scale)
        patch = cv2.warpAffine(patch, m, (r.w, r.h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return _paste(host, patch, r)


def _source_xy(rng: np.random.Generator, r: Region, width: int, height: int) -> tuple[int, int]:
    """Where a copy-moved patch comes from: preferably not overlapping its target."""
    best = (0, 0)
    for _ in range(30):
        sx, sy = int(rng.integers(0, width - r.w)), int(rng.integers(0, height - r.h))
        best = (sx, sy)
        if abs(sx - r.x) >= r.w or abs(sy - r.y) >= r.h:
            break
    return best


def _warp(rng: np.random.Generator) -> tuple[float, float]:
    """Half plain copies, a quarter slightly scaled, a quarter slightly rotated."""
    u = rng.random()
    if u < 0.5:
        return 0.0, 1.0
    if u < 0.75:
        return 0.0, float(rng.uniform(0.9, 1.1))
    return float(rng.choice([-1, 1]) * rng.uniform(4, 12)), 1.0


def samples_for_host(host: Crop, donor: Crop, seed: int, h_index: int) -> list[Sample]:
    """Nine samples: three kinds × three conditions, for one host crop."""
    rng = np.random.default_rng([seed, h_index, 29])
    height, width = host.rgb.shape[:2]
    s_region = _region(rng, width, height, 0.10, 0.25)
    dh, dw = donor.rgb.shape[:2]
    s_src = (int(rng.integers(0, dw - s_region.w)), int(rng.integers(0, dh - s_region.h)))
    c_region = _region(rng, width, height, 0.05, 0.15)
    c_src, c_warp = _source_xy(rng, c_region, width, height), _warp(rng)
    q_single = int(rng.integers(75, 96))
    q1, q2, q_donor = int(rng.integers(50, 86)), int(rng.integers(86, 96)), int(rng.integers(70, 96))
    scale, q_laundered = float(rng.uniform(0.5, 0.8)), int(rng.integers(80, 86))
    scale = min(scale, 1200 / width)
    profiles = {kind: draw_profile(rng, edited=kind != "authentic") for kind in KINDS}
    name = f"{host.photo}#{host.index}"

    def edit(kind: str, base: np.ndarray, donor_rgb: np.ndarray) -> np.ndarray:
        if kind == "spliced":
            return _splice(base, donor_rgb, s_region, s_src)
        if kind == "copy_moved":
            return _copy_move(base, c_region, c_src, c_warp)
        return base

    out: list[Sample] = []
    old_host, old_donor = recompress(host.rgb, q1), recompress(donor.rgb, q_donor)
    for kind in KINDS:
        profile = profiles[kind]
        exif = exif_for(profile, rng, width, height)
        single = jpeg(edit(kind, host.rgb, donor.rgb), q_single, exif)
        history = jpeg(edit(kind, old_host, old_donor), q2, exif)
        small = unjpeg(single)
        size = (round(width * scale), round(height * scale))
        laundered = jpeg(cv2.resize(small, size, interpolation=cv2.INTER_AREA), q_laundered)
        out.append(Sample(name, kind, "single", single, profile))
        out.append(Sample(name, kind, "history", history, profile))
        out.append(Sample(name, kind, "laundered", laundered, "none"))
    return out


def build_set(hosts: list[Crop], seed: int, advance: Callable[[int], None]) -> list[Sample]:
    """Samples for every host; each spliced donor is a crop of a photo from another group."""
    out: list[Sample] = []
    for i, host in enumerate(hosts):
        others = [c for c in hosts if c.group != host.group]
        donor = others[int(np.random.default_rng([seed, i, 31]).integers(0, len(others)))]
        out += samples_for_host(host, donor, seed, i)
        advance(1)
    return out
