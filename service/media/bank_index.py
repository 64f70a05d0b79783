"""In-memory PDQ index over every live bank entry.

A vectorised XOR + popcount scan: up to 32 query hashes (4 views × 8
dihedral variants) against every primary hash, and the 4 views against each
entry's derived hashes. `harmlabel bench media` measures it against 100k
entries; a plain scan is fast enough there, so no FAISS or multi-index hashing.
The index is immutable; `BankIndexHolder.replace` swaps in a rebuilt one, so a
request always sees one consistent snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from service.media.pdq import PdqHash, ViewHashes


@dataclass(frozen=True)
class BankEntryInfo:
    id: int
    bank: str
    negative: bool  # a bank of known-authentic media
    hash_hex: str
    quality: int | None
    note: str | None
    url: str | None
    original_date: date | None
    context: str | None
    added_by: str | None
    derived: tuple[str, ...] = ()  # mirror and centre-crop hashes (see pdq.bank_hashes)


@dataclass(frozen=True)
class Match:
    entry: BankEntryInfo
    distance: int
    view: str
    variant: int  # 0 = as is, 1–7 = a rotation or mirror of the view


class BankIndex:
    def __init__(self, entries: list[BankEntryInfo] | tuple[BankEntryInfo, ...] = ()) -> None:
        self.entries = tuple(entries)
        words = [PdqHash.from_hex(e.hash_hex).bits for e in self.entries]
        self._words = _columns(words)  # (4, N): one contiguous row per 64-bit word
        derived = [(i, PdqHash.from_hex(d).bits) for i, e in enumerate(self.entries) for d in e.derived]
        self._derived_words = _columns([bits for _, bits in derived])
        self._derived_owner = np.array([i for i, _ in derived], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.entries)

    def distances(self, hashes: list[PdqHash]) -> np.ndarray:
        """(len(hashes), len(entries)) Hamming distances to the primary hashes."""
        return _scan(self._words, hashes)

    def _derived_best(self, hashes: list[PdqHash]) -> np.ndarray:
        """Per entry, the smallest distance from any of `hashes` to any of its derived hashes."""
        best = np.full(len(self.entries), 256, dtype=np.int32)
        if self._derived_owner.size and hashes:
            np.minimum.at(best, self._derived_owner, _scan(self._derived_words, hashes).min(axis=0))
        return best

    def search(self, views: list[ViewHashes], max_distance: int) -> list[Match]:
        """The closest view and variant for every entry within `max_distance`,
        nearest first."""
        flat = [(v.view, i, h) for v in views for i, h in enumerate(v.hashes)]
        dist = self.distances([h for _, _, h in flat])
        if dist.size == 0:
            return []
        best = dist.argmin(axis=0)
        primary = dist[best, np.arange(dist.shape[1])]
        # Derived hashes are already mirrored and cropped: compare each view as it is, not its variants.
        derived = self._derived_best([v.hashes[0] for v in views])
        out = []
        for j in np.flatnonzero(np.minimum(primary, derived) <= max_distance):
            if primary[j] <= derived[j]:
                view, variant, _ = flat[int(best[j])]
                out.append(Match(self.entries[int(j)], int(primary[j]), view, variant))
            else:
                out.append(Match(self.entries[int(j)], int(derived[j]), "derived", 0))
        return sorted(out, key=lambda m: (m.distance, m.entry.id))


def _columns(words: list[np.ndarray]) -> np.ndarray:
    bits = np.stack(words) if words else np.zeros((0, 4), dtype=np.uint64)
    return np.ascontiguousarray(bits.T)


def _scan(columns: np.ndarray, hashes: list[PdqHash]) -> np.ndarray:
    n = columns.shape[1]
    out = np.zeros((len(hashes), n), dtype=np.int32)
    if n == 0:
        return out
    xor, count = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint8)
    for q, h in enumerate(hashes):  # in place, row by row: ~15× faster than broadcasting
        for w in range(4):
            np.bitwise_xor(columns[w], h.bits[w], out=xor)
            np.bitwise_count(xor, out=count)
            out[q] += count
    return out


class BankIndexHolder:
    """The live index; the store replaces it whenever a bank changes."""

    def __init__(self, index: BankIndex | None = None) -> None:
        self.index = index or BankIndex()

    def replace(self, entries: list[BankEntryInfo]) -> None:
        self.index = BankIndex(entries)
