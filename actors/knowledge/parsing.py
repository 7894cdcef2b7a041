"""Documents in, plain text out: text, Markdown, HTML (beautifulsoup4) and PDF (pypdf).

The format comes from the caller, else from a file name, else from a sniff of the
content. PDF arrives as bytes (base64 over JSON, decoded by the caller of `parse`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from enum import StrEnum

from protocols.knowledge import invalid


class DocumentFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"


_EXTENSIONS = {
    ".txt": DocumentFormat.TEXT,
    ".md": DocumentFormat.MARKDOWN,
    ".markdown": DocumentFormat.MARKDOWN,
    ".html": DocumentFormat.HTML,
    ".htm": DocumentFormat.HTML,
    ".pdf": DocumentFormat.PDF,
}


@dataclass(frozen=True)
class ParsedDocument:
    text: str
    format: DocumentFormat
    title: str | None = None


def detect_format(content: str | bytes, filename: str | None = None) -> DocumentFormat:
    if filename:
        for ext, fmt in _EXTENSIONS.items():
            if filename.lower().endswith(ext):
                return fmt
    if isinstance(content, bytes):
        if content.startswith(b"%PDF-"):
            return DocumentFormat.PDF
        content = content.decode("utf-8", errors="replace")
    head = content.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(body|p|div|h[1-6])[\s>]", head):
        return DocumentFormat.HTML
    if re.search(r"^(#{1,6} |[-*] |```)", content, re.MULTILINE):
        return DocumentFormat.MARKDOWN
    return DocumentFormat.TEXT


def parse(content: str | bytes, fmt: DocumentFormat | str | None = None, filename: str | None = None) -> ParsedDocument:
    fmt = DocumentFormat(fmt) if fmt else detect_format(content, filename)
    if fmt is DocumentFormat.PDF:
        if isinstance(content, str):
            raise invalid("content", "a PDF must be sent as bytes (base64 in 'content_base64')")
        return _pdf(content)
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    if fmt is DocumentFormat.HTML:
        return _html(text)
    if fmt is DocumentFormat.MARKDOWN:
        return _markdown(text)
    return ParsedDocument(_normalise(text), DocumentFormat.TEXT, _first_line(text))


def _html(text: str) -> ParsedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    if soup.head is not None:
        soup.head.decompose()
    blocks = ("p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br")
    for tag in soup.find_all(blocks):
        tag.insert_after("\n\n")
    body = soup.get_text()
    return ParsedDocument(_normalise(body), DocumentFormat.HTML, title or _first_line(body))


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_MD_QUOTE = re.compile(r"^>\s?", re.MULTILINE)
_MD_FENCE = re.compile(r"^```.*$", re.MULTILINE)
_MD_INLINE_CODE = re.compile(r"`([^`]*)`")


def _markdown(text: str) -> ParsedDocument:
    heading = re.search(r"^#{1,6}\s+(.+)$", text, re.MULTILINE)
    out = _MD_FENCE.sub("", text)
    out = _MD_LINK.sub(r"\1", out)
    out = _MD_HEADING.sub("", out)
    out = _MD_QUOTE.sub("", out)
    out = _MD_EMPHASIS.sub(r"\2", out)
    out = _MD_INLINE_CODE.sub(r"\1", out)
    return ParsedDocument(
        _normalise(out), DocumentFormat.MARKDOWN, heading.group(1).strip() if heading else _first_line(out)
    )


def _pdf(data: bytes) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise invalid("content", f"not a readable PDF: {exc}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    return ParsedDocument(_normalise(text), DocumentFormat.PDF, title or _first_line(text))


def _normalise(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return None
