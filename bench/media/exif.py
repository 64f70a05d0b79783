"""The EXIF written into the benchmark JPEGs, so the metadata signal has
something to read, in a mix that is not rigged in its favour: some authentic
photos carry an editor's Software tag (Lightroom, and Photoshop used only for a
colour-corrected export), and many edited ones carry plain camera EXIF or
none at all. Laundered copies never carry EXIF (platforms strip it).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# profile → probability, for authentic and for edited images
AUTHENTIC_MIX: tuple[tuple[str, float], ...] = (
    ("camera", 0.40),
    ("camera+lightroom", 0.15),
    ("camera+photoshop", 0.10),
    ("none", 0.35),
)
EDITED_MIX: tuple[tuple[str, float], ...] = (
    ("camera+photoshop", 0.30),
    ("camera", 0.30),
    ("none", 0.40),
)
SOFTWARE = {
    "lightroom": "Adobe Lightroom Classic 13.0 (Windows)",
    "photoshop": "Adobe Photoshop 25.0 (Windows)",
}
CAMERAS = (
    ("Canon", "Canon EOS 5D Mark IV"),
    ("NIKON CORPORATION", "NIKON D750"),
    ("Apple", "iPhone 13"),
    ("SONY", "ILCE-7M3"),
    ("samsung", "SM-G991B"),
)
_EXIF_IFD = 0x8769


def draw_profile(rng: np.random.Generator, edited: bool) -> str:
    mix = EDITED_MIX if edited else AUTHENTIC_MIX
    names, probs = zip(*mix, strict=True)
    return str(rng.choice(list(names), p=list(probs)))


def _stamp(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    year = 2019 + days // 365
    day_of_year = days % 365
    month, day = 1 + day_of_year // 31 % 12, 1 + day_of_year % 28
    return f"{year:04d}:{month:02d}:{day:02d} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


def exif_for(profile: str, rng: np.random.Generator, width: int, height: int) -> Image.Exif | None:
    """Camera Make/Model/DateTimeOriginal/ISO/dimensions, plus Software and a
    later DateTime when an editor saved the file; None for the "none" profile."""
    if profile == "none":
        return None
    make, model = CAMERAS[int(rng.integers(0, len(CAMERAS)))]
    taken = int(rng.integers(0, 5 * 365 * 86_400))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif[0x0112] = 1  # Orientation: as stored
    _, _, editor = profile.partition("+")
    edited_at = taken + int(rng.integers(3600, 30 * 86_400)) if editor else taken
    exif[0x0132] = _stamp(edited_at)  # DateTime: when the file was last written
    if editor:
        exif[0x0131] = SOFTWARE[editor]
    sub = exif.get_ifd(_EXIF_IFD)
    sub[0x9003] = _stamp(taken)  # DateTimeOriginal
    sub[0x9004] = _stamp(taken)  # DateTimeDigitized
    sub[0x8827] = int(rng.choice([100, 200, 400, 800, 1600]))  # ISOSpeedRatings
    sub[0xA002], sub[0xA003] = width, height  # ExifImageWidth / ExifImageHeight
    return exif


def describe() -> str:
    """The mix in words, for the report."""

    def fmt(mix: tuple[tuple[str, float], ...]) -> str:
        return ", ".join(f"{name} {p:.0%}" for name, p in mix)

    return (
        f"authentic: {fmt(AUTHENTIC_MIX)}; edited (spliced and copy-moved): {fmt(EDITED_MIX)}. "
        f"`camera` = Make, Model, DateTime = DateTimeOriginal, ISO and EXIF dimensions; "
        f'`+lightroom` / `+photoshop` add Software = "{SOFTWARE["lightroom"]}" / '
        f'"{SOFTWARE["photoshop"]}" and a DateTime 1 hour–30 days after DateTimeOriginal. '
        "Profiles are drawn per host and kind and kept in the `single` and `history` conditions; "
        "`laundered` files carry no EXIF."
    )
