"""The bank store on SQLite and PostgreSQL, and the index built from it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from service.media.bank_index import BankIndex
from service.media.pdq import bank_hashes, hash_image, view_hashes
from service.store import banks
from service.store.db import Database
from service.store.errors import StoreError
from service.store.models import BankEntry
from tests.media_fixtures import photo


def _entry(name: str = "astronaut", **kw: object) -> banks.EntryFields:
    h, derived = bank_hashes(photo(name))
    hexes = tuple(d.hex for d in derived)
    return banks.EntryFields(h.hex, h.quality, derived=hexes, **kw)  # type: ignore[arg-type]


def test_entries_round_trip_through_the_threatexchange_csv(database: Database) -> None:
    banks.create_bank(database, "fakes", False, "known fakes", "alice")
    note = 'Doctored: "shark on the highway", 2011 composite'
    banks.add_entries(
        database,
        "fakes",
        [
            _entry(
                note=note, url="https://example.org/fc/1", original_date=date(2011, 8, 28), tags="hurricane"
            )
        ],
        "alice",
    )
    banks.add_entries(database, "fakes", [_entry("coffee")], "bob")
    exported = banks.export_csv(database, "fakes")
    assert exported.splitlines()[0].startswith("signal_type,signal_value,tags")
    assert exported.splitlines()[1].startswith("pdq,")

    banks.create_bank(database, "copy", False, None, "carol")
    imported = banks.add_entries(database, "copy", banks.parse_csv(exported), "carol")
    assert len(imported) == 2
    again = banks.export_csv(database, "copy")
    assert banks.parse_csv(again) == banks.parse_csv(exported)
    assert banks.parse_csv(again)[0].derived == _entry().derived != ()


def test_bare_threatexchange_rows_import(database: Database) -> None:
    banks.create_bank(database, "te", False, None, "x")
    h = hash_image(photo("chelsea"))
    rows = banks.parse_csv(f"pdq,{h.hex}\npdq,{h.hex},tag1 tag2\n")
    assert [r.tags for r in rows] == [None, "tag1 tag2"]
    assert len(banks.add_entries(database, "te", rows, "x")) == 2


@pytest.mark.parametrize(
    ("csv_text", "where"),
    [
        ("pdq,abc\n", "line 1"),
        ("signal_type,signal_value\npdq,zz" + "0" * 62 + "\n", "line 2"),
        ("md5,d41d8cd98f00b204e9800998ecf8427e\n", "line 1"),
        ("pdq," + "0" * 64 + ",t,n,u,not-a-date\n", "line 1"),
    ],
)
def test_bad_csv_rows_are_named_by_line(csv_text: str, where: str) -> None:
    with pytest.raises(StoreError) as err:
        banks.parse_csv(csv_text)
    assert err.value.field == where


def test_removal_keeps_the_row_for_audit_and_leaves_the_index(database: Database) -> None:
    banks.create_bank(database, "fakes", False, None, "alice")
    [row] = banks.add_entries(database, "fakes", [_entry()], "alice")
    assert [e.id for e in banks.live_entries(database)] == [row.id]
    banks.remove_entry(database, "fakes", row.id, "bob")
    assert banks.live_entries(database) == []
    with database.session() as s:
        kept = s.scalar(select(BankEntry).where(BankEntry.id == row.id))
        assert kept is not None and kept.removed_by == "bob"
    with pytest.raises(StoreError):
        banks.remove_entry(database, "fakes", row.id, "bob")


def test_duplicate_and_unknown_banks_are_refused(database: Database) -> None:
    banks.create_bank(database, "fakes", False, None, "alice")
    with pytest.raises(StoreError) as dup:
        banks.create_bank(database, "fakes", True, None, "alice")
    assert dup.value.status == 409
    with pytest.raises(StoreError) as missing:
        banks.add_entries(database, "nope", [_entry()], "alice")
    assert missing.value.status == 404
    with pytest.raises(StoreError):
        banks.create_bank(database, "Bad Name!", False, None, "alice")


def test_index_finds_the_entry_and_not_unrelated_photos(database: Database) -> None:
    banks.create_bank(database, "fakes", False, None, "alice")
    banks.add_entries(database, "fakes", [_entry("astronaut", note="n")], "alice")
    index = BankIndex(banks.live_entries(database))
    mirrored = photo("astronaut")[:, ::-1].copy()
    [hit] = index.search(view_hashes(mirrored), 31)
    assert hit.entry.note == "n" and hit.view == "derived"  # the exact mirror hash banked with it
    assert index.search(view_hashes(photo("coffee")), 31) == []
