"""The entities of a message as Telegram stores it, beyond those the bot gave.

Telegram (tdlib's ``fix_formatted_text``, td/telegram/MessageEntity.cpp) finds some entities
on its own in every text a bot sends: mentions, bot commands, hashtags, cashtags, URLs and
e-mail addresses (tdlib finds no phone numbers: ``// TODO find_phone_numbers``). A found
entity that overlaps an entity the bot gave (other than bold, italic and the like) is left
out. Text links are stored with their URL normalised, and a ``tg://user?id=N`` link becomes a
``text_mention`` of that user.

The detectors here are simpler than tdlib's (no list of top-level domains: a bare host is a
URL only with one of a few common ones) but find what our texts contain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.html import utf16_len
from sandbox.links import check_link, link_user_id

__all__ = ["stored_entities"]

_TLDS = "com|org|net|nl|eu|be|de|fr|uk|io|me|info|app|dev|gov|edu"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "email",
        re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    ),
    (
        "url",
        re.compile(
            r"(?i)(?<![\w@./-])(?:(?:https?|tg|ton)://[^\s<>\"]+"
            rf"|(?:[a-z0-9-]+\.)+(?:{_TLDS})(?::\d{{1,5}})?(?:[/?#][^\s<>\"]*)?(?![\w-]))"
        ),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}(?![\w@])")),
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"),
    ),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
    ("cashtag", re.compile(r"(?<![\w$])\$[A-Z]{1,8}(?![\w$])")),
)
# Punctuation that ends a sentence rather than a URL.
_URL_TAIL = ".,;:!?)]}'\""
# Entities that mark up text (they may overlap anything) and blocks.
_SPLITTABLE = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
_BLOCKS = frozenset({"blockquote", "expandable_blockquote"})


def _found(text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) in Python indexes of the entities Telegram finds, not overlapping."""
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in _URL_TAIL:
                    end -= 1
            if any(start < e and s < end for s, e, _k in spans):
                continue  # e-mail before URL before mention: the first finder wins
            spans.append((start, end, kind))
    return sorted(spans)


def _utf16_span(text: str, start: int, end: int) -> tuple[int, int]:
    offset = utf16_len(text[:start])
    return offset, utf16_len(text[start:end])


def stored_entities(
    text: str,
    entities: list[dict[str, Any]],
    user: Callable[[int], dict[str, Any] | None],
) -> list[dict[str, Any]]:
    """``entities`` (the bot's, or parsed from its HTML) as Telegram stores them with ``text``.

    ``user`` gives the Bot API ``User`` of an id, or None if the bot cannot know that user
    (then a ``tg://user?id=`` link is dropped). Raises :class:`LinkError` for a text link
    Telegram refuses.
    """
    kept: list[dict[str, Any]] = []
    for entity in entities:
        entity = dict(entity)
        if entity.get("type") == "text_link":
            url = str(entity.get("url", ""))
            user_id = link_user_id(url)
            if user_id is not None:
                who = user(user_id)
                if who is None:
                    continue
                entity = {k: v for k, v in entity.items() if k != "url"}
                entity.update(type="text_mention", user=who)
            else:
                entity["url"] = check_link(url)
        kept.append(entity)
    taken = [
        (e["offset"], e["offset"] + e["length"], e["type"])
        for e in kept
        if e.get("type") not in _SPLITTABLE
    ]
    for start, end, kind in _found(text):
        offset, length = _utf16_span(text, start, end)
        clash = False
        for s, e, other in taken:
            inside = s <= offset and offset + length <= e
            if other in _BLOCKS:
                clash = offset < e and s < offset + length and not inside
            else:
                clash = offset < e and s < offset + length
            if clash:
                break
        if not clash:
            kept.append({"type": kind, "offset": offset, "length": length})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return kept
