"""Copy-move: one part of the photo repeated elsewhere in the same photo.

Cloning a patch over something (a person, a sign, a weapon) is the cheapest
edit there is and leaves no compression trace, but it leaves the pixels twice.
Keypoints are matched against the image's own keypoints; a copied patch makes
many matches that share one geometric transform (a shift, possibly with a
rotation or scale), found with RANSAC. Matches to a keypoint's own
neighbourhood are skipped: every texture resembles itself a few pixels away.

Repetitive scenes (windows on a façade, tiles, printed patterns, crowds in
uniform) match themselves honestly, so this stays advisory, and the score
depends on how many matches agree on one transform rather than on how many
matches there are.
"""

from __future__ import annotations

import cv2
import numpy as np

from service.media.decode import DecodedImage
from service.media.signal import Judgement, MediaContext, MediaSignal, Role


class CopyMove(MediaSignal):
    name = "copy_move"
    version = "1"
    role = Role.advisory

    def __init__(
        self,
        max_side: int = 1024,
        n_features: int = 4000,
        ratio: float = 0.8,
        max_distance: int = 48,
        min_offset_px: float = 24.0,
        min_inliers: int = 8,
        full_inliers: int = 40,
    ) -> None:
        self.max_side = max_side
        self.n_features = n_features
        self.ratio = ratio
        self.max_distance = max_distance
        self.min_offset_px = min_offset_px
        self.min_inliers = min_inliers
        self.full_inliers = full_inliers

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        gray = cv2.cvtColor(image.rgb, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, self.max_side / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if min(gray.shape) < 64:
            return Judgement(None, ("too small to look for copied regions",))
        orb = cv2.ORB.create(nfeatures=self.n_features, fastThreshold=10)
        keypoints, desc = orb.detectAndCompute(gray, None)
        if desc is None or len(keypoints) < 50:
            return Judgement(None, ("too few distinctive points to look for copied regions",))
        pts = np.array([k.pt for k in keypoints], np.float32)
        src, dst = self._self_matches(pts, desc)
        evidence: dict[str, object] = {
            "keypoints": len(keypoints),
            "matches": len(src),
            "scale": round(scale, 4),
        }
        if len(src) < self.min_inliers:
            return Judgement(0.0, ("no part of the image repeats elsewhere in it",), evidence)
        model, inl = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0, maxIters=2000, confidence=0.995
        )
        inliers = (
            inl.ravel().astype(bool) if model is not None and inl is not None else np.zeros(len(src), bool)
        )
        n_in = int(inliers.sum())
        shift = float(np.median(np.linalg.norm(dst[inliers] - src[inliers], axis=1))) if n_in else 0.0
        evidence |= {"inliers": n_in, "offset_px": round(shift / scale, 1)}
        if n_in < self.min_inliers or shift < self.min_offset_px:
            return Judgement(0.0, ("no region repeats elsewhere under one consistent transform",), evidence)
        src_box, dst_box = _box(src[inliers]), _box(dst[inliers])
        overlap = _overlap(src_box, dst_box)
        w, h = int(src_box[2] / scale), int(src_box[3] / scale)
        evidence |= {"copy_a_bbox_px": [int(v / scale) for v in src_box], "overlap": round(overlap, 3)}
        evidence["copy_b_bbox_px"] = [int(v / scale) for v in dst_box]
        score = min(1.0, (n_in - self.min_inliers + 1) / (self.full_inliers - self.min_inliers + 1))
        reasons = [
            f"a {w}×{h} px region appears again {shift / scale:.0f} px away ({n_in} matching points agree "
            "on one transform)"
        ]
        if overlap > 0.3:  # a copy pasted over its own source is rare; a lattice or façade does this
            score *= 0.25
            reasons.append("the two copies overlap, as in a regular structure (lattice, façade, tiling)")
        return Judgement(round(score, 4), tuple(reasons), evidence)

    def _self_matches(self, pts: np.ndarray, desc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best match of each keypoint outside its own neighbourhood, kept when clearly better than
        the best one somewhere else again (g2NN); each pair once, oriented so a shift points one way."""
        knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(desc, desc, k=6)
        knn = [c for c in knn if len(c) == 6]
        if not knn:
            return np.empty((0, 2), np.float32), np.empty((0, 2), np.float32)
        query = np.array([c[0].queryIdx for c in knn])
        train = np.array([[m.trainIdx for m in c] for c in knn])
        dist = np.array([[m.distance for m in c] for c in knn], np.float32)
        far = np.linalg.norm(pts[train] - pts[query][:, None], axis=2) >= self.min_offset_px
        rows = np.arange(len(knn))
        first = np.argmax(far, axis=1)
        best = train[rows, first]
        # The runner-up must lie away from the best match too: the same corner found at two pyramid
        # levels of the copy is one match, not two.
        elsewhere = far & (np.linalg.norm(pts[train] - pts[best][:, None], axis=2) >= self.min_offset_px)
        second = np.where(elsewhere.any(axis=1), dist[rows, np.argmax(elsewhere, axis=1)], dist[:, -1])
        d1 = dist[rows, first]
        keep = far.any(axis=1) & (d1 <= self.max_distance) & (d1 < self.ratio * second)
        if not keep.any():
            return np.empty((0, 2), np.float32), np.empty((0, 2), np.float32)
        idx = np.unique(np.sort(np.stack([query[keep], best[keep]], axis=1), axis=1), axis=0)
        a, b = pts[idx[:, 0]], pts[idx[:, 1]]
        flip = (b[:, 0] < a[:, 0]) | ((b[:, 0] == a[:, 0]) & (b[:, 1] < a[:, 1]))
        src, dst = np.where(flip[:, None], b, a), np.where(flip[:, None], a, b)
        return src.astype(np.float32), dst.astype(np.float32)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller of two (x, y, w, h) boxes."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, iw) * max(0, ih) / max(1, min(a[2] * a[3], b[2] * b[3]))


def _box(points: np.ndarray) -> tuple[int, int, int, int]:
    x, y, w, h = cv2.boundingRect(points)
    return int(x), int(y), int(w), int(h)
