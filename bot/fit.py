"""Making texts fit Telegram: split long HTML texts, page long lists, cut long labels.

Telegram refuses a message whose text, after its HTML is parsed, is longer than 4,096
characters (Unicode code points, as the sandbox in `sandbox.html` counts them). Texts
that grow with data (a headcount with every diet, an agenda with every topic, a thousand
networks) are therefore cut into parts here: at line boundaries where possible, never inside a
tag or an entity such as ``&amp;``, with every part's tags balanced (a ``<b>`` open at a cut is
closed at the end of one part and opened again at the start of the next). A line longer than
a whole part is cut at a space, or anywhere between two characters if it has none.

Pure functions only: sending the parts is `bot.replies` (handler replies) and `bot.outbox`
(queued deliveries).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "BUTTON_LABEL",
    "LIMIT",
    "MAX_BUTTONS",
    "MAX_ROW_BUTTONS",
    "cut_label",
    "keyboard_rows",
    "page_bounds",
    "split",
    "visible_length",
]

LIMIT = 4096  # characters of a message text after entity parsing
BUTTON_LABEL = 40  # characters of a data-built button label (names) before "…"
MAX_BUTTONS = 100  # inline buttons in one keyboard, all rows together
T = TypeVar("T")
MAX_ROW_BUTTONS = 12  # buttons of a row Telegram keeps; it drops the rest without a word

# A tag, an entity (``&amp;``, ``&#39;``), or one character. Our HTML is built by
# `bot.i18n` with every value escaped, so a ``<`` always starts a tag and ``&`` an entity.
_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    width: int  # characters it stands for once parsed: 0 for a tag, 1 otherwise
    opens: str | None = None  # tag name, for an opening tag
    closes: str | None = None  # tag name, for a closing tag


def _tokens(html: str) -> list[_Token]:
    found = []
    for match in _TOKEN.finditer(html):
        piece = match.group()
        if len(piece) > 1 and piece.startswith("<"):
            name = _TAG_NAME.match(piece)
            tag = name.group(1).lower() if name else ""
            closing = piece.startswith("</")
            found.append(
                _Token(piece, 0, opens=None if closing else tag, closes=tag if closing else None)
            )
        else:
            found.append(_Token(piece, 1))
    return found


def visible_length(html: str) -> int:
    """Characters Telegram counts in an HTML text: tags count nothing, an entity one."""
    return sum(token.width for token in _tokens(html))


def split(html: str, limit: int = LIMIT) -> list[str]:
    """`html` as parts of at most `limit` visible characters each, in order.

    A text that fits comes back as it is (one part). Otherwise parts end at line breaks
    (the break itself is dropped, as are blank lines at a part's edges); tags open at a cut
    are closed and reopened; a line longer than `limit` is cut at its last space that fits.
    Parts that would show nothing but white space are left out.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    tokens = _tokens(html)
    if sum(t.width for t in tokens) <= limit:
        return [html]
    return [part for part in _Splitter(limit).run(tokens) if _shows_something(part)]


def _shows_something(html: str) -> bool:
    return any(t.width and not t.text.isspace() for t in _tokens(html))


class _Splitter:
    """Fills parts line by line; the stack of open tags carries over from part to part."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.stack: list[_Token] = []  # tags open at the current point, outermost first
        self.body: list[str] = []  # the current part, after the tags it reopened
        self.reopened = ""
        self.width = 0
        self.blank_run: list[_Token] = []  # blank lines held back until something follows

    def run(self, tokens: list[_Token]) -> list[str]:
        for line in _lines(tokens):
            self.add_line(line)
        self.flush()
        return self.parts

    def add_line(self, line: list[_Token]) -> None:
        width = sum(t.width for t in line)
        if self.width > 0:
            if width + 1 <= self.limit - self.width:  # 1 for the line break
                self.take(line, separator=True)
                return
            self.flush()
        if _is_blank(line):  # no blank lines at the start of a part; keep its tags
            for token in line:
                if token.width == 0:
                    self.emit(token)
        elif width <= self.limit:
            self.take(line, separator=False)
        else:
            self.long_line(line)

    def take(self, line: list[_Token], *, separator: bool) -> None:
        if separator:
            self.body.append("\n")
            self.width += 1
        for token in line:
            self.emit(token)

    def emit(self, token: _Token) -> None:
        self.body.append(token.text)
        self.width += token.width
        if token.opens is not None:
            self.stack.append(token)
        elif token.closes is not None:
            for depth in range(len(self.stack) - 1, -1, -1):
                if self.stack[depth].opens == token.closes:
                    del self.stack[depth:]
                    break

    def long_line(self, line: list[_Token]) -> None:
        """A line wider than a whole part: cut it where a space is, or between characters."""
        start, left = 0, sum(t.width for t in line)
        while start < len(line):
            if left <= self.limit - self.width:
                for token in line[start:]:
                    self.emit(token)
                return
            cut = start + _cut_point(line, start, self.limit - self.width)
            for token in line[start:cut]:
                self.emit(token)
                left -= token.width
            self.flush()
            start = cut
            while start < len(line) and line[start].text == " ":  # no part starts with it
                left -= 1
                start += 1

    def flush(self) -> None:
        if self.width == 0:
            self.body = []
            return
        text = "".join(self.body).rstrip("\n")
        closing = "".join(f"</{t.opens}>" for t in reversed(self.stack))
        self.parts.append(self.reopened + text + closing)
        self.reopened = "".join(t.text for t in self.stack)
        self.body = []
        self.width = 0


def _lines(tokens: list[_Token]) -> list[list[_Token]]:
    lines: list[list[_Token]] = [[]]
    for token in tokens:
        if token.text == "\n":
            lines.append([])
        else:
            lines[-1].append(token)
    return lines


def _is_blank(line: list[_Token]) -> bool:
    return all(t.width == 0 or t.text.isspace() for t in line)


def _cut_point(tokens: list[_Token], start: int, room: int) -> int:
    """How many tokens from `start` to keep so that they fit in `room` characters: up to the
    last space if there is one in the second half, else as many as fit; never between a
    character and what joins onto it (an accent, an emoji modifier, a zero-width joiner)."""
    width = 0
    end = start
    while end < len(tokens) and width + tokens[end].width <= room:
        width += tokens[end].width
        end += 1
    fits = end - start
    if end >= len(tokens):
        return fits
    for index in range(end - 1, start + fits // 2 - 1, -1):
        if tokens[index].text == " " and index > start:
            return index - start
    cut = end
    while start < cut < len(tokens) and (
        _joins(tokens[cut].text) or tokens[cut - 1].text == "\u200d"
    ):
        cut -= 1
    while start < cut and tokens[cut - 1].opens is not None:  # a tag goes with what it opens
        cut -= 1
    return cut - start if cut > start else max(fits, 1)


def _joins(char: str) -> bool:
    """A character that belongs to the one before it."""
    if len(char) != 1:
        return False
    return (
        unicodedata.combining(char) != 0
        or char in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        or "\U000e0020" <= char <= "\U000e007f"  # tag sequences (flags of regions)
    )


def cut_label(text: str, width: int = BUTTON_LABEL) -> str:
    """A plain-text label (a button, a name in a list) of at most `width` characters."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: width - 1].rstrip() + _ELLIPSIS


def keyboard_rows(buttons: Sequence[T], per_row: int = 1, *, reserved: int = 1) -> list[list[T]]:
    """`buttons` built from data in rows of `per_row`, cut to what a keyboard holds beside
    `reserved` other buttons (Confirm, Cancel, ◀ ▶): Telegram keeps only the first
    `MAX_ROW_BUTTONS` of a row and refuses a keyboard of more than `MAX_BUTTONS`."""
    per_row = max(1, min(per_row, MAX_ROW_BUTTONS))
    kept = list(buttons[: max(0, MAX_BUTTONS - reserved)])
    return [kept[i : i + per_row] for i in range(0, len(kept), per_row)]


def page_bounds(
    sizes: Sequence[int], *, per_page: int, limit: int = LIMIT, separator: int = 1
) -> list[range]:
    """Pages of a list whose items are `sizes` characters long: at most `per_page` items and
    `limit` characters each (items joined by `separator` characters), in order, never empty.

    An item longer than `limit` gets a page of its own (and is split when sent).
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    pages: list[range] = []
    start, used = 0, 0
    for index, size in enumerate(sizes):
        count = index - start
        extra = size + (separator if count else 0)
        if count and (count >= per_page or used + extra > limit):
            pages.append(range(start, index))
            start, used = index, size
        else:
            used += extra
    pages.append(range(start, len(sizes)))
    return pages
