"""Metadata hints: what the file says about the programs that touched it.

This is the weakest signal here, on purpose. Most photographers run their
pictures through Lightroom, Snapseed or GIMP to crop, straighten and fix
exposure, and none of that is manipulation; phones write their own names into
`Software`; platforms strip or rewrite EXIF on upload. So an editor's name, a
modify date long after capture, or camera fields that went missing are worth a
reviewer's glance and no more: the score never exceeds `cap`. A file with no
metadata at all abstains, since stripping is the norm, not a clue.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from service.media.decode import DecodedImage
from service.media.signal import Judgement, MediaContext, MediaSignal, Role

# Editors that can retouch a region (clone, heal, composite) weigh more than ones built for global
# adjustments; any of them is common on honest photos.
_RETOUCHERS = re.compile(
    r"photoshop(?! lightroom| camera raw)|gimp|affinity|pixelmator|photopea|paint\.net|krita|facetune|picsart"
    r"|canva|fotor",
    re.IGNORECASE,
)
_ADJUSTERS = re.compile(
    r"lightroom|camera raw|snapseed|capture one|darktable|rawtherapee|vsco|luminar", re.IGNORECASE
)
_GENERATORS = re.compile(
    r"firefly|dall.?e|midjourney|stable.?diffusion",
    re.IGNORECASE,
)
_CREATOR_TOOL = re.compile(r"(?:CreatorTool|softwareAgent)(?:=\"|>)([^\"<]{1,120})")
_CAMERA_FIELDS = ("ExposureTime", "FNumber", "ISOSpeedRatings", "FocalLength", "LensModel")
_WEIGHTS = {
    "generator": 0.4,
    "retoucher": 0.25,
    "adjuster": 0.1,
    "camera": 0.15,
    "dates": 0.1,
    "ifd": 0.1,
    "aspect": 0.05,
}


class Metadata(MediaSignal):
    name = "metadata"
    version = "1"
    role = Role.advisory

    def __init__(self, cap: float = 0.5, late_edit_days: float = 2.0) -> None:
        self.cap = cap
        self.late_edit_days = late_edit_days

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        exif, xmp = image.exif, image.xmp or ""
        if not exif and not xmp:
            return Judgement(None, ("no metadata to read",))
        found: dict[str, str] = {}
        tools = [_text(exif.get(k)) for k in ("Software", "ProcessingSoftware")] + _CREATOR_TOOL.findall(xmp)
        tools = [t for t in tools if t]
        # IPTC digital-source-type declarations belong to the decisive `provenance` signal.
        if any(_GENERATORS.search(t) for t in tools):
            found["generator"] = "the software tags name an image generator"
        if retoucher := next((t for t in tools if _RETOUCHERS.search(t)), None):
            found["retoucher"] = f"saved by an editor that can retouch regions ({retoucher})"
        elif adjuster := next((t for t in tools if _ADJUSTERS.search(t)), None):
            found["adjuster"] = f"saved by a photo adjustment program ({adjuster})"
        if not (exif.get("Make") or exif.get("Model")) and any(k in exif for k in _CAMERA_FIELDS):
            found["camera"] = "exposure settings are present but the camera make and model were removed"
        taken, modified = _when(exif.get("DateTimeOriginal")), _when(exif.get("DateTime"))
        if taken and modified and (modified - taken).total_seconds() > self.late_edit_days * 86400:
            found["dates"] = f"modified {(modified - taken).days} days after it was taken"
        if _aspect_changed(
            exif.get("ExifImageWidth"), exif.get("ExifImageHeight"), image.width, image.height
        ):
            found["aspect"] = "its aspect ratio differs from the one recorded at capture (cropped since)"
        if exif.get("_broken_ifds"):
            found["ifd"] = "part of the EXIF structure is damaged"
        score = min(self.cap, sum(_WEIGHTS[k] for k in found))
        evidence: dict[str, Any] = {"hints": sorted(found), "software": tools[:3]}
        evidence |= {
            k: _text(exif.get(k)) for k in ("Make", "Model", "DateTimeOriginal", "DateTime") if k in exif
        }
        if not found:
            return Judgement(0.0, ("the metadata shows no sign of editing",), evidence)
        return Judgement(round(score, 4), tuple(found.values()), evidence)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ")[:120] if value is not None else ""


def _when(value: object) -> datetime | None:
    try:
        return datetime.strptime(_text(value)[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _aspect_changed(ew: object, eh: object, width: int, height: int) -> bool:
    """Resizing keeps the recorded aspect ratio and rotation swaps it; only cropping changes it."""
    if not (isinstance(ew, int) and isinstance(eh, int) and ew > 0 and eh > 0):
        return False
    recorded, actual = ew / eh, width / height
    return min(abs(recorded / actual - 1), abs(recorded * actual - 1)) > 0.03
