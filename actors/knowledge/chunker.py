"""Cut a document's text into overlapping chunks that end at paragraph or sentence ends.

Sizes are in characters. A chunk grows sentence by sentence up to `size`; the next
chunk starts with the last sentences of the previous one, up to `overlap` characters,
so a fact that straddles a boundary is whole in at least one chunk. A sentence longer
than `size` is cut at word boundaries (at any character as a last resort).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from protocols.knowledge import Chunk

_PARAGRAPH = re.compile(r"\n\s*\n")
# A sentence ends at . ! ? (optionally followed by quotes/brackets) and whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    paragraph_end: bool  # the span closes a paragraph


class Chunker:
    def __init__(self, size: int = 800, overlap: int = 100) -> None:
        if size < 20:
            raise ValueError("chunk size must be at least 20 characters")
        if not 0 <= overlap < size:
            raise ValueError("chunk overlap must be >= 0 and smaller than the chunk size")
        self.size = size
        self.overlap = overlap

    def split(self, text: str) -> list[Chunk]:
        spans = self._units(text)
        chunks: list[Chunk] = []
        i = 0
        while i < len(spans):
            j = i
            # Grow while the next unit still fits.
            while j + 1 < len(spans) and spans[j + 1].end - spans[i].start <= self.size:
                j += 1
                if spans[j].paragraph_end and spans[j].end - spans[i].start >= self.size * 0.6:
                    break  # a paragraph end late in the chunk is the better place to stop
            start, end = spans[i].start, spans[j].end
            piece = text[start:end].strip()
            if piece:
                lead = len(text[start:end]) - len(text[start:end].lstrip())
                chunks.append(Chunk(index=len(chunks), text=piece, start=start + lead, end=start + lead + len(piece)))
            if j + 1 >= len(spans):
                break
            # Step back over whole units that fit in the overlap, always moving forward.
            k = j + 1
            while k - 1 > i and spans[j].end - spans[k - 1].start <= self.overlap:
                k -= 1
            i = k
        return chunks

    def _units(self, text: str) -> list[_Span]:
        """Sentences (each at most `size` long), marked where paragraphs end."""
        units: list[_Span] = []
        pos = 0
        for para in _PARAGRAPH.finditer(text + "\n\n"):
            p_start, p_end = pos, para.start()
            pos = para.end()
            if not text[p_start:p_end].strip():
                continue
            sentences = list(_split_sentences(text, p_start, p_end))
            for n, (s, e) in enumerate(sentences):
                last = n == len(sentences) - 1
                pieces = list(self._cut_long(text, s, e))
                for m, (a, b) in enumerate(pieces):
                    units.append(_Span(a, b, last and m == len(pieces) - 1))
        return units

    def _cut_long(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        while end - start > self.size:
            cut = text.rfind(" ", start + 1, start + self.size)
            if cut <= start:
                cut = start + self.size
            out.append((start, cut))
            start = cut
        out.append((start, end))
        return out


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        out.append((pos, match.start()))
        pos = match.end()
    if pos < end and text[pos:end].strip():
        out.append((pos, end))
    return [(s, e) for s, e in out if e > s]
