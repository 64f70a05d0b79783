"""In-memory PDQ index over every live bank entry.

A vectorised XOR + popcount scan: 24 query hashes (3 views × 8 dihedral
variants) against 100k entries is ~10M word operations, about 15 ms on one core
(`harmlabel bench media` measures it), so no FAISS or multi-index hashing.
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
        bits = np.stack(words) if words else np.zeros((0, 4), dtype=np.uint64)
        self._words = np.ascontiguousarray(bits.T)  # (4, N): one contiguous row per 64-bit word

    def __len__(self) -> int:
        return len(self.entries)

    def distances(self, hashes: list[PdqHash]) -> np.ndarray:
        """(len(hashes), len(entries)) Hamming distances."""
        if not hashes or not self.entries:
            return np.zeros((len(hashes), len(self.entries)), dtype=np.int32)
        n = len(self.entries)
        out = np.zeros((len(hashes), n), dtype=np.int32)
        xor, count = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint8)
        for q, h in enumerate(hashes):  # in place, row by row: ~15× faster than broadcasting
            for w in range(4):
                np.bitwise_xor(self._words[w], h.bits[w], out=xor)
                np.bitwise_count(xor, out=count)
                out[q] += count
        return out

    def search(self, views: list[ViewHashes], max_distance: int) -> list[Match]:
        """The closest view and variant for every entry within `max_distance`,
        nearest first."""
        flat = [(v.view, i, h) for v in views for i, h in enumerate(v.hashes)]
        dist = self.distances([h for _, _, h in flat])
        if dist.size == 0:
            return []
        best = dist.argmin(axis=0)
        out = []
        for j in np.flatnonzero(dist[best, np.arange(dist.shape[1])] <= max_distance):
            view, variant, _ = flat[int(best[j])]
            out.append(Match(self.entries[int(j)], int(dist[best[j], j]), view, variant))
        return sorted(out, key=lambda m: (m.distance, m.entry.id))


class BankIndexHolder:
    """The live index; the store replaces it whenever a bank changes."""

    def __init__(self, index: BankIndex | None = None) -> None:
        self.index = index or BankIndex()

    def replace(self, entries: list[BankEntryInfo]) -> None:
        self.index = BankIndex(entries)
