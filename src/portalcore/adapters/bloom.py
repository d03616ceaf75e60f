"""A Bloom filter over passwords: millions of leaked passwords in a few megabytes, for membership tests only.

A Bloom filter answers "certainly not on the list" or "probably on the list": a password that is not on the list
is taken for one that is with a small probability (about 1 in 1 000 for the bundled file), never the reverse.
Refusing one good password in a thousand costs the patient a second try; missing a leaked one would cost more.

File format (all integers big-endian): ``PBF1`` magic, the bit count ``m`` (8 bytes), the number of hash
functions ``k`` (1 byte), the shortest password the list was built from (1 byte), then ``ceil(m / 8)`` bytes
of bits (bit ``i`` is ``bits[i // 8] >> (i % 8) & 1``). The ``k`` positions of a word are
``(h1 + i * h2) mod m`` for ``i`` in ``0..k-1``, with ``h1``, ``h2`` the two halves of the 128-bit BLAKE2b
digest of its UTF-8 bytes (Kirsch and Mitzenmacher's double hashing).
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterable

MAGIC = b"PBF1"
HEADER = struct.Struct(">4sQBB")


def _positions(word: str, m: int, k: int) -> list[int]:
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=16).digest()
    h1, h2 = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
    return [(h1 + i * h2) % m for i in range(k)]


class BloomFilter:
    """Membership of words (already normalized by the caller) in a set too large to ship whole."""

    def __init__(self, bits: bytes | bytearray, m: int, k: int, min_length: int = 0) -> None:
        if len(bits) * 8 < m or m <= 0 or k <= 0:
            raise ValueError("a Bloom filter needs m > 0 bits and k > 0 hash functions")
        self._bits, self.m, self.k, self.min_length = bits, m, k, min_length

    @classmethod
    def build(cls, words: Iterable[str], count: int, false_positives: float, min_length: int = 0) -> BloomFilter:
        """A filter sized for ``count`` words at the ``false_positives`` rate, holding ``words``."""
        m = max(8, math.ceil(-count * math.log(false_positives) / math.log(2) ** 2))
        k = max(1, round(m / max(count, 1) * math.log(2)))
        bits = bytearray((m + 7) // 8)
        for word in words:
            for position in _positions(word, m, k):
                bits[position >> 3] |= 1 << (position & 7)
        return cls(bits, m, k, min_length)

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        """Reads the file format above; raises ``ValueError`` for anything else."""
        if len(data) < HEADER.size:
            raise ValueError("not a password Bloom filter: too short")
        magic, m, k, min_length = HEADER.unpack_from(data)
        if magic != MAGIC or len(data) - HEADER.size != (m + 7) // 8:
            raise ValueError("not a password Bloom filter, or a truncated one")
        return cls(data[HEADER.size:], m, k, min_length)

    def to_bytes(self) -> bytes:
        return HEADER.pack(MAGIC, self.m, self.k, self.min_length) + bytes(self._bits)

    def __contains__(self, word: str) -> bool:
        bits = self._bits
        return all(bits[p >> 3] >> (p & 7) & 1 for p in _positions(word, self.m, self.k))
