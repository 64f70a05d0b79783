"""Out of context: genuine media, presented as news of now.

Fires when the image's capture date (EXIF DateTimeOriginal, or the original
date a reviewer recorded on a matching bank entry) is long before the tweet,
while the text speaks of the present ("happening right now", "live",
"today"). The old-photo-as-breaking-news pattern is among the commonest forms
of visual misinformation, and needs no pixel forensics at all.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from service.media.decode import DecodedImage
from service.media.signal import Judgement, MediaContext, MediaSignal, Role

PRESENT_TENSE = re.compile(
    r"\b(just now|right now|happening|live|today|tonight|this (?:morning|evening|afternoon)|breaking"
    r"|at the moment|as we speak|currently|moments ago|minutes ago|now)\b",
    re.IGNORECASE,
)


def _exif_date(image: DecodedImage) -> date | None:
    for tag in ("DateTimeOriginal", "DateTimeDigitized"):
        value = image.exif.get(tag)
        if isinstance(value, str):
            try:
                return datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S").date()
            except ValueError:
                continue
    return None


class OutOfContext(MediaSignal):
    name = "out_of_context"
    version = "1"
    role = Role.decisive

    def __init__(self, max_age_days: int = 30) -> None:
        self.max_age_days = max_age_days

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        dates: list[tuple[date, str]] = []
        exif_day = _exif_date(image)
        if exif_day:
            dates.append((exif_day, "EXIF DateTimeOriginal"))
        bank = ctx.results.get("pdq_match")
        for m in bank.evidence.get("matches", []) if bank else []:
            if m.get("original_date") and not m.get("negative"):
                day = date.fromisoformat(m["original_date"])
                dates.append((day, f"bank {m['bank']!r} entry {m['entry_id']}"))
        if not dates:
            return Judgement(None, ("no capture date known (no EXIF date, no dated bank match)",))
        posted = ctx.posted_at.astimezone(UTC).date()
        oldest, source = min(dates)
        age = (posted - oldest).days
        phrases = sorted({p.lower() for p in PRESENT_TENSE.findall(ctx.text)})
        evidence = {"capture_date": oldest.isoformat(), "source": source, "age_days": age, "phrases": phrases}
        if age <= self.max_age_days:
            return Judgement(0.0, (f"captured {oldest.isoformat()}, {age} days before the tweet",), evidence)
        if not phrases:
            reason = f"captured {oldest.isoformat()} ({source}); the text does not present it as current"
            return Judgement(0.0, (reason,), evidence)
        years = f"{age / 365.25:.1f} years" if age >= 365 else f"{age} days"
        quoted = ", ".join(f"'{p}'" for p in phrases)
        reason = f"captured {oldest.isoformat()} ({source}), {years} before the tweet, shared as {quoted}"
        return Judgement(1.0, (reason,), evidence)
