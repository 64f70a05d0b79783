"""Media banks: curated PDQ hashes of known manipulated (or, in a negative
bank, known-authentic) media, with the note a reviewer will see on a match.

Export and import use the ThreatExchange signal CSV shape, `pdq,<hex>,<tags>`,
with our extra columns after it, so a bank can move between harmlabel and
Hasher-Matcher-Actioner deployments.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from service.media.bank_index import BankEntryInfo
from service.media.pdq import PdqHash
from service.store import versions
from service.store.db import Database
from service.store.errors import StoreError
from service.store.models import BankEntry, MediaBank

BANK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CSV_COLUMNS = (
    "signal_type",
    "signal_value",
    "tags",
    "note",
    "url",
    "original_date",
    "context",
    "added_by",
    "derived",
)


@dataclass(frozen=True)
class EntryFields:
    pdq: str
    quality: int | None = None
    note: str | None = None
    url: str | None = None
    original_date: date | None = None
    context: str | None = None
    tags: str | None = None
    derived: tuple[str, ...] = ()


def create_bank(db: Database, name: str, negative: bool, description: str | None, by: str) -> MediaBank:
    if not BANK_NAME.match(name):
        raise StoreError("name", "a bank name is 1–64 characters of a-z, 0-9, '_' and '-'")
    with db.session() as s:
        if s.get(MediaBank, name) is not None:
            raise StoreError("name", f"bank {name!r} already exists", status=409)
        bank = MediaBank(
            name=name, negative=negative, description=description, created_by=by, created_at=_now()
        )
        s.add(bank)
        versions.bump(s, versions.MEDIA_BANKS)
        return bank


def list_banks(db: Database) -> list[tuple[MediaBank, int]]:
    with db.session() as s:
        banks = list(s.scalars(select(MediaBank).order_by(MediaBank.name)))
        live = s.scalars(select(BankEntry.bank).where(BankEntry.removed_at.is_(None))).all()
        return [(b, sum(1 for x in live if x == b.name)) for b in banks]


def add_entries(db: Database, bank: str, entries: list[EntryFields], by: str) -> list[BankEntry]:
    for e in entries:
        for h in (e.pdq, *e.derived):
            PdqHash.from_hex(h)  # raises ValueError before anything is written
    with db.session() as s:
        if s.get(MediaBank, bank) is None:
            raise StoreError("bank", f"no bank named {bank!r}", status=404)
        rows = [
            BankEntry(
                bank=bank,
                pdq=e.pdq.strip().lower(),
                quality=e.quality,
                note=e.note,
                url=e.url,
                original_date=e.original_date,
                context=e.context,
                tags=e.tags,
                derived=" ".join(h.strip().lower() for h in e.derived) or None,
                added_by=by,
                added_at=_now(),
            )
            for e in entries
        ]
        s.add_all(rows)
        versions.bump(s, versions.MEDIA_BANKS)
        s.flush()
        return rows


def remove_entry(db: Database, bank: str, entry_id: int, by: str) -> None:
    with db.session() as s:
        row = s.get(BankEntry, entry_id)
        if row is None or row.bank != bank or row.removed_at is not None:
            raise StoreError("entry_id", f"no live entry {entry_id} in bank {bank!r}", status=404)
        row.removed_at, row.removed_by = _now(), by
        versions.bump(s, versions.MEDIA_BANKS)


def live_entries(db: Database) -> list[BankEntryInfo]:
    """Every entry the matcher should know, for rebuilding the index."""
    with db.session() as s:
        rows = s.execute(
            select(BankEntry, MediaBank.negative)
            .join(MediaBank, MediaBank.name == BankEntry.bank)
            .where(BankEntry.removed_at.is_(None))
            .order_by(BankEntry.id)
        ).all()
        return [
            BankEntryInfo(
                e.id,
                e.bank,
                neg,
                e.pdq,
                e.quality,
                e.note,
                e.url,
                e.original_date,
                e.context,
                e.added_by,
                tuple((e.derived or "").split()),
            )
            for e, neg in rows
        ]


def export_csv(db: Database, bank: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    with db.session() as s:
        if s.get(MediaBank, bank) is None:
            raise StoreError("bank", f"no bank named {bank!r}", status=404)
        rows = s.scalars(
            select(BankEntry)
            .where(BankEntry.bank == bank, BankEntry.removed_at.is_(None))
            .order_by(BankEntry.id)
        )
        for e in rows:
            day = e.original_date.isoformat() if e.original_date else ""
            writer.writerow(
                [
                    "pdq",
                    e.pdq,
                    e.tags or "",
                    e.note or "",
                    e.url or "",
                    day,
                    e.context or "",
                    e.added_by or "",
                    e.derived or "",
                ]
            )
    return out.getvalue()


def parse_csv(text: str) -> list[EntryFields]:
    """Rows of `pdq,<hex>[,tags[,note,url,original_date,context,...]]`; a
    header row is optional. Errors name the line."""
    entries = []
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # a stray carriage return inside a field, a NUL byte
        raise StoreError("file", f"not readable as CSV: {exc}") from None
    for n, row in enumerate(rows, start=1):
        if not row or (n == 1 and row[0].strip().lower() == "signal_type"):
            continue
        cells = [c.strip() for c in row] + [""] * 9
        if cells[0].lower() != "pdq":
            raise StoreError(f"line {n}", f"signal type {cells[0]!r} is not supported; only 'pdq'")
        derived = tuple(cells[8].split())
        try:
            for h in (cells[1], *derived):
                PdqHash.from_hex(h)
            day = date.fromisoformat(cells[5]) if cells[5] else None
        except ValueError as exc:
            raise StoreError(f"line {n}", str(exc)) from None
        entries.append(
            EntryFields(
                cells[1],
                None,
                cells[3] or None,
                cells[4] or None,
                day,
                cells[6] or None,
                cells[2] or None,
                derived,
            )
        )
    if not entries:
        raise StoreError("file", "no pdq rows found")
    return entries


def _now() -> datetime:
    return datetime.now(UTC)
