"""Dutch and English texts through gettext, and the one HTML-escaping helper.

Every user-facing text is a msgid in English, translated in `bot/locale/<lang>/LC_MESSAGES`.
`Translator` formats `{placeholders}` and escapes every value it substitutes, so a name like
`<b>Eve & Co</b>` can never break a message or inject markup. A value that is already safe
HTML (built by this module) is an `Html` — markupsafe's `Markup` — and passes through unchanged;
`Markup` keeps that mark under `+`, `%` and `Markup("\n").join(...)`, escaping whatever plain
text is added to it.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup
from markupsafe import escape as _escape

from bot.settings import SUPPORTED_LANGUAGES

DOMAIN = "bondgenoten"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


# A string that is already valid Telegram HTML; `Translator` does not escape it again.
Html = Markup


def escape(value: object) -> Html:
    """Escape anything a user or a network supplied for Telegram's HTML parse mode."""
    return _escape(value)


class Translator:
    """Texts in one language: `_("Hello {name}", name=...)` with escaped values."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = _catalog(language)

    def __call__(self, msgid: str, /, **values: Any) -> Html:
        return self._format(self._catalog.gettext(msgid), values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> Html:
        values.setdefault("n", n)
        return self._format(self._catalog.ngettext(singular, plural, n), values)

    @staticmethod
    def _format(template: str, values: Mapping[str, Any]) -> Html:
        if not values:
            return Html(template)
        return Html(template).format_map(values)


def pick_language(chosen: str | None, telegram_code: str | None, default: str) -> str:
    """The person's own choice first, then their Telegram app language, then the default."""
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


@cache
def translator(language: str) -> Translator:
    return Translator(language)


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po_file, mo_file = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_file.exists() and (
        not po_file.exists() or mo_file.stat().st_mtime >= po_file.stat().st_mtime
    ):
        with mo_file.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    if not po_file.exists():
        return gettext.NullTranslations()
    # No compiled catalog (a fresh checkout): compile the .po in memory rather than fail.
    with po_file.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
