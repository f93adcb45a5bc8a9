"""Every text the bot can send exists in Dutch and English, and is valid Telegram HTML."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, Html, escape, pick_language, translator
from bot.settings import SUPPORTED_LANGUAGES
from sandbox.html import parse_html

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}  # N_: trainer/'s marked texts


def messages_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "domain", "handlers", "storage", "trainer", "whatsapp"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / "bondgenoten.po").open("rb") as fp:
        return read_po(fp, locale=language)


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_the_code_has_texts_to_translate() -> None:
    assert len(messages_in_code()) > 20


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_text_is_translated(language: str) -> None:
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(language) if m.id}
    missing = sorted(messages_in_code() - set(entries))
    assert not missing, f"{language}: not in the catalog (run make catalogs): {missing}"
    untranslated = sorted(k for k, m in entries.items() if not m.string or m.fuzzy)
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated}"
    stale = sorted(set(entries) - messages_in_code())
    assert not stale, f"{language}: no longer in the code (run make catalogs): {stale}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_translations_keep_placeholders_and_are_valid_html(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set().union(*(placeholders(i) for i in ids))
        for text in strings:
            assert placeholders(text) <= expected | {"n"}, (language, message.id)
            filled = text.format_map({name: "x" for name in placeholders(text)})
            parse_html(filled)  # raises on anything Telegram would refuse


def test_dutch_is_really_dutch() -> None:
    _ = translator("nl")
    assert _("Which language shall I write to you in?") == "In welke taal zal ik je schrijven?"


# --- the glossary (docs/GLOSSARY.md) --------------------------------------------------------

BANNED = ROOT / "docs" / "glossary_banned.txt"
# "netwerk(en)", "network(s)": a plural goes through ngettext instead.
BRACKET_PLURAL = re.compile(r"\w\((?:s|es|en|n|e)\)")


def banned_words() -> dict[str, list[str]]:
    """The words and phrases the glossary rules out, per language."""
    words: dict[str, list[str]] = {language: [] for language in SUPPORTED_LANGUAGES}
    for line in BANNED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            language, word = (part.strip() for part in line.split(":", 1))
            words[language].append(word)
    return words


def glossary_breaches(text: str, banned: list[str]) -> list[str]:
    """What in `text` the glossary rules out: banned words (whole words, any case), and
    plurals in brackets."""
    found = [
        word
        for word in banned
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)
    ]
    found += BRACKET_PLURAL.findall(text)
    return found


def test_the_glossary_check_finds_what_it_rules_out() -> None:
    words = banned_words()
    assert glossary_breaches("De gastgevers weten het.", words["nl"]) == ["gastgevers"]
    assert glossary_breaches("Je zit in 2 netwerk(en).", words["nl"]) == ["k(en)"]
    assert glossary_breaches("Bondgenoten, voor de politiechef en de gemeente.", words["nl"]) == []
    assert glossary_breaches("From now on I write to you in Dutch.", words["en"])
    assert glossary_breaches("Your intake is done.", words["en"]) == ["intake"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_texts_keep_to_the_glossary(language: str) -> None:
    """No text uses a word the glossary rules out (in English: neither msgid nor msgstr)."""
    banned = banned_words()[language]
    offenders = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        texts = [message.string] if isinstance(message.string, str) else list(message.string)
        if language == "en":
            texts += ids
        for text in texts:
            if breaches := glossary_breaches(text, banned):
                offenders.append((breaches, ids[0][:60]))
    assert not offenders, (
        f"{language}: words the glossary rules out (docs/GLOSSARY.md): {offenders}"
    )


def test_values_are_escaped_once() -> None:
    _ = translator("en")
    text = _(
        "{greeting} You are a <b>coordinator</b>: you set up networks, vet new members and "
        "keep the networks on course.\n\n"
        "Networks: {count} · applications waiting: {pending}\n\n"
        "/help shows what you can do.\n\n"
        "🚨 Emergency? Always call 112 first.",
        greeting=_("Welcome back, {name}.", name="<b>Eve & Co</b>"),  # Html: not escaped again
        count=2,
        pending=1,
    )
    assert "&lt;b&gt;Eve &amp; Co&lt;/b&gt;" in text
    assert "&amp;lt;" not in text
    assert "<b>coordinator</b>" in text
    assert escape(Html("<i>safe</i>")) == "<i>safe</i>"
    plain, _entities = parse_html(text)
    assert "<b>Eve & Co</b>" in plain


@pytest.mark.parametrize(
    ("chosen", "app", "expected"),
    [
        ("en", "nl", "en"),
        (None, "en-GB", "en"),
        (None, "nl-BE", "nl"),
        (None, "de", "nl"),
        (None, None, "nl"),
    ],
)
def test_language_choice_order(chosen: str | None, app: str | None, expected: str) -> None:
    assert pick_language(chosen, app, "nl") == expected


def test_no_user_facing_text_bypasses_gettext() -> None:
    """Texts reach people through `_` (which the catalogs are extracted from), never a literal
    passed to a send, nor a translator under another name (a heuristic guard)."""
    offenders = []
    literal_send = re.compile(r"\.(reply_text|send_message|answer|edit_message_text)\(\s*[\"']")
    other_name = re.compile(r"(?<![\w.])(?!_\()[a-z]{1,3}\(\s*\n?\s*[\"']")
    for path in [*(ROOT / "handlers").glob("*.py"), *(ROOT / "bot").glob("*.py")]:
        text = path.read_text()
        if literal_send.search(text) or other_name.search(text):
            offenders.append(path.name)
    assert not offenders
