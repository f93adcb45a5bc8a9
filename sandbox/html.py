"""Telegram's HTML parse mode, as the sandbox applies it to ``parse_mode="HTML"`` texts.

:func:`parse_html` turns formatted text into the plain text and the ``MessageEntity`` list
Telegram would store, or fails with Telegram's own error wording (the tag parser follows
the real one in tdlib, byte offsets included). See
https://core.telegram.org/bots/api#html-style for the supported tags.

One deliberate difference: Telegram documents that every ``<``, ``>`` and ``&`` which is
not part of a tag or an entity must be escaped, but in practice it lets a stray ``>`` or
``&`` through. The sandbox enforces the documented rule, so an escaping bug in the bot
shows up here rather than as odd text in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.links import LinkError, check_link
from sandbox.spec import ApiError

__all__ = ["check_text_length", "parse_html", "utf16_len"]

_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
# Tags whose entity type depends on nothing but the tag name.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",  # only <span class="tg-spoiler"> gets this far
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|([A-Za-z]+));")
_SPACES = " \t\r\n\v\f"
# Characters of an unquoted attribute value ("name token" in SGML terms).
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.-]*")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def check_text_length(
    plain: str, limit: int = 4096, *, kind: Literal["text", "caption"] | None = None
) -> None:
    """Telegram's length limits on a text after entity parsing.

    ``kind="text"`` (the default for the 4096 limit) is a message text: it must not be empty
    or only whitespace. ``kind="caption"`` (the default for any other limit) may be empty.
    Telegram counts Unicode characters here, not UTF-16 units.
    """
    if kind is None:
        kind = "text" if limit == 4096 else "caption"
    if kind == "text":
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > limit:
            raise ApiError(400, "Bad Request: message is too long")
    elif len(plain) > limit:
        raise ApiError(400, "Bad Request: message caption is too long")


def _fail(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {message}")


@dataclass(slots=True)
class _OpenTag:
    name: str
    argument: str
    unix_time: int
    utf16_start: int
    plain_start: int  # index into the output pieces' joined text, for <a> without href
    depth: int


@dataclass(slots=True)
class _Entity:
    type: str
    offset: int
    length: int
    depth: int
    extra: dict[str, Any]

    @property
    def end(self) -> int:
        return self.offset + self.length

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "offset": self.offset, "length": self.length, **self.extra}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []
        self.plain_len = 0  # characters in out
        self.utf16 = 0  # UTF-16 units in out
        self.stack: list[_OpenTag] = []
        self.entities: list[_Entity] = []

    # -- helpers --------------------------------------------------------------------------

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.plain_len += len(chunk)
        self.utf16 += utf16_len(chunk)

    def peek(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else ""

    def decode_entity(self, index: int) -> tuple[str, int]:
        """The character an ``&...;`` at ``index`` stands for, and the index after it."""
        match = _ENTITY_RE.match(self.text, index)
        if match:
            decimal, hexadecimal, name = match.groups()
            if name is not None:
                if name in _NAMED_ENTITIES:
                    return _NAMED_ENTITIES[name], match.end()
            else:
                code = int(decimal) if decimal is not None else int(hexadecimal, 16)
                if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF:
                    return chr(code), match.end()
        raise _fail("Character '&' is reserved and must be escaped with \"&amp;\"")

    # -- the main loop --------------------------------------------------------------------

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "&":
                decoded, self.pos = self.decode_entity(self.pos)
                self.emit(decoded)
            elif char == "<":
                if self.peek(self.pos + 1) == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            elif char == ">":
                raise _fail("Character '>' is reserved and must be escaped with \"&gt;\"")
            else:
                # Copy the run of ordinary characters in one go.
                end = self.pos
                while end < len(text) and text[end] not in "&<>":
                    end += 1
                self.emit(text[self.pos : end])
                self.pos = end
        if self.stack:
            raise _fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        return "".join(self.out), [e.as_dict() for e in _resolve_nesting(self.entities)]

    def start_tag(self) -> None:
        text = self.text
        begin = self.pos
        i = begin + 1
        while i < len(text) and text[i] not in _SPACES and text[i] != ">":
            i += 1
        if i >= len(text):
            raise _fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = text[begin + 1 : i].lower()
        if name not in _SUPPORTED_TAGS:
            raise _fail(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')

        argument = ""
        unix_time = 0
        while True:
            while i < len(text) and text[i] in _SPACES:
                i += 1
            if i >= len(text):
                raise _fail(f'Unclosed start tag "{name}" at byte offset {self.byte_offset(begin)}')
            if text[i] == ">":
                break
            attr_begin = i
            while i < len(text) and text[i] not in _SPACES and text[i] not in "=>/\"'":
                i += 1
            attribute = text[attr_begin:i].lower()
            if not attribute:
                raise _fail(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            while i < len(text) and text[i] in _SPACES:
                i += 1
            if self.peek(i) != "=":
                # A valueless attribute; only <blockquote expandable> gives one meaning.
                if name == "blockquote" and attribute == "expandable":
                    argument = "1"
                continue
            i += 1
            while i < len(text) and text[i] in _SPACES:
                i += 1
            if i >= len(text):
                raise _fail(f'Unclosed start tag "{name}" at byte offset {self.byte_offset(begin)}')
            value, i = self.attribute_value(i)
            if i >= len(text):
                raise _fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if name == "a" and attribute == "href":
                argument = value
            elif name == "code" and attribute == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif name == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif name == "tg-emoji" and attribute == "emoji-id":
                argument = value
            elif name == "blockquote" and attribute == "expandable":
                argument = "1"
            elif name == "tg-time" and attribute == "unix":
                unix_time = int(value) if value.isdigit() else 0
            elif name == "tg-time" and attribute == "format":
                argument = value
        if name == "span" and argument != "spoiler":
            raise _fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(
            _OpenTag(name, argument, unix_time, self.utf16, self.plain_len, len(self.stack))
        )
        self.pos = i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        text = self.text
        quote = text[i]
        if quote not in "\"'":
            token = _NAME_TOKEN_RE.match(text, i)
            assert token is not None
            end = token.end()
            if end < len(text) and text[end] not in _SPACES and text[end] != ">":
                raise _fail(f"Unexpected end of name token at byte offset {self.byte_offset(i)}")
            return token.group().lower(), end
        i += 1
        chars: list[str] = []
        while i < len(text) and text[i] != quote:
            if text[i] == "&":
                decoded, i = self.decode_entity(i)
                chars.append(decoded)
            else:
                chars.append(text[i])
                i += 1
        if i < len(text):
            i += 1  # the closing quote
        return "".join(chars), i

    def end_tag(self) -> None:
        text = self.text
        begin = self.pos
        if not self.stack:
            raise _fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while i < len(text) and text[i] not in _SPACES and text[i] != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        while i < len(text) and text[i] in _SPACES:
            i += 1
        if self.peek(i) != ">":
            raise _fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        opened = self.stack[-1]
        if end_name and end_name != opened.name:
            raise _fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{opened.name}>", found "</{end_name}>"'
            )
        self.stack.pop()
        self.pos = i + 1
        if self.utf16 > opened.utf16_start:  # empty entities are dropped
            self.close_entity(opened)

    def close_entity(self, opened: _OpenTag) -> None:
        offset = opened.utf16_start
        length = self.utf16 - offset
        name = opened.name
        last = self.entities[-1] if self.entities else None
        same_range = last is not None and (last.offset, last.length) == (offset, length)

        def add(entity_type: str, **extra: Any) -> None:
            self.entities.append(_Entity(entity_type, offset, length, opened.depth, extra))

        if name in _SIMPLE_TAGS:
            add(_SIMPLE_TAGS[name])
        elif name == "tg-emoji":
            if not opened.argument.isdigit() or int(opened.argument) == 0:
                raise _fail("Invalid custom emoji identifier specified")
            add("custom_emoji", custom_emoji_id=opened.argument)
        elif name == "tg-time":
            if opened.unix_time > 0:
                extra: dict[str, Any] = {"unix_time": opened.unix_time}
                if opened.argument:
                    extra["date_time_format"] = opened.argument
                add("date_time", **extra)
        elif name == "a":
            url = opened.argument or "".join(self.out)[opened.plain_start :]
            checked = _checked_url(url)
            if checked is not None:
                add("text_link", url=checked)
        elif name == "pre":
            # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
            if same_range and last is not None and last.type == "code" and last.extra:
                last.type = "pre"
                last.extra = {"language": last.extra["language"]}
                last.depth = opened.depth
            else:
                add("pre")
        elif name == "code":
            if same_range and last is not None and last.type == "pre" and opened.argument:
                last.extra = {"language": opened.argument}
            else:
                # The language is kept only until the enclosing <pre> claims it.
                add("code", **({"language": opened.argument} if opened.argument else {}))
        elif name == "blockquote":
            add("expandable_blockquote" if opened.argument else "blockquote")


def _checked_url(url: str) -> str | None:
    """Telegram keeps a link only if its URL passes tdlib's check, stored normalised."""
    try:
        return check_link(url.strip())
    except LinkError:
        return None


# Which entities may not contain which (https://core.telegram.org/bots/api#formatting-options):
# nothing lives inside pre or code, blockquotes don't nest, and links and custom emoji
# can't contain each other or block-level entities. Telegram drops the inner entity.
_CONTAINS_NOTHING = frozenset({"pre", "code"})
_BLOCKQUOTES = frozenset({"blockquote", "expandable_blockquote"})
_ATOMIC = frozenset({"text_link", "custom_emoji", "date_time"})


def _forbidden(parent: str, child: str) -> bool:
    if parent in _CONTAINS_NOTHING:
        return True
    if parent in _BLOCKQUOTES and child in _BLOCKQUOTES:
        return True
    return parent in _ATOMIC and (child in _ATOMIC or child in _BLOCKQUOTES | _CONTAINS_NOTHING)


def _resolve_nesting(entities: list[_Entity]) -> list[_Entity]:
    kept: list[_Entity] = []
    for entity in entities:
        parents = [
            p
            for p in entities
            if p.depth < entity.depth and p.offset <= entity.offset and entity.end <= p.end
        ]
        if any(_forbidden(p.type, entity.type) for p in parents):
            continue
        if entity.type == "code":
            entity.extra = {}  # a standalone code entity has no language
        kept.append(entity)
    kept.sort(key=lambda e: (e.offset, -e.length, e.depth))
    return kept


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and MessageEntity dicts (offsets in UTF-16 units) for an HTML-formatted text.

    Raises ``ApiError(400, "Bad Request: can't parse entities: ...")`` like Telegram.
    """
    return _Parser(text).run()
