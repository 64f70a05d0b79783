"""Media-bank writes, whoever makes them (the API today, the console or a
worker tomorrow): hash an uploaded image, refuse one too flat to bank,
store, and have this process's follower rebuild the index before returning,
so the next assessment here sees the change. The rebuild itself lives in the
follower (`service.pipeline.follow`), which every replica runs; syncing it
here marks the change seen, so it is not rebuilt a second time."""

from __future__ import annotations

from collections.abc import Callable

from service.media.decode import DecodeLimits, MediaDecodeError, decode_image
from service.media.pdq import MIN_QUALITY, bank_hashes
from service.schemas.banks import EntryCreate
from service.store import banks as store
from service.store.db import Database
from service.store.errors import StoreError
from service.store.models import BankEntry

IMAGE = ("image", "data")


class MediaBanks:
    def __init__(self, db: Database, sync: Callable[[], object], limits: DecodeLimits) -> None:
        self.db, self.sync, self.limits = db, sync, limits

    def add_entry(self, bank: str, body: EntryCreate, by: str) -> BankEntry:
        """One entry, from a PDQ hash or an image (hashed here, with the
        rotations and flips banked beside it)."""
        pdq, quality, derived = body.pdq, None, tuple[str, ...]()
        if body.image is not None and body.image.data is not None:
            try:
                image = decode_image(body.image.data, self.limits)
            except MediaDecodeError as exc:
                raise StoreError(IMAGE, str(exc), kind="media_rejected") from None
            h, extra = bank_hashes(image.rgb)
            if h.quality < MIN_QUALITY:
                msg = (
                    f"PDQ quality {h.quality} is below {MIN_QUALITY}: the image is too flat to bank reliably"
                )
                raise StoreError(IMAGE, msg, kind="low_quality")
            pdq, quality, derived = h.hex, h.quality, tuple(d.hex for d in extra)
        if pdq is None:  # the schema asks for one of them; a direct caller may not
            raise StoreError("pdq", "an entry needs an image or a pdq hash")
        fields = store.EntryFields(
            pdq, quality, body.note, body.url, body.original_date, body.context, body.tags, derived
        )
        [row] = store.add_entries(self.db, bank, [fields], by)
        self.sync()
        return row

    def remove_entry(self, bank: str, entry_id: int, by: str) -> None:
        store.remove_entry(self.db, bank, entry_id, by)
        self.sync()

    def import_csv(self, bank: str, text: str, by: str) -> int:
        """The CSV that export produces; all rows or none. Rows imported."""
        rows = store.add_entries(self.db, bank, store.parse_csv(text), by)
        self.sync()
        return len(rows)
