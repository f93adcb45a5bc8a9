"""Alert templates: pre-agreed texts per kind of event, to start an alert from under stress.

Four kinds — unrest, a violent crime, an attack elsewhere that touches the neighbourhood, a
missing person — each in the sender's language, with clear placeholders between square
brackets ([place], [time]; in Dutch [plaats], [tijd]) and a reminder of the 112 line and of
describing behaviour, not looks. In `/alert` they are buttons that copy the template to the
phone's clipboard (Telegram's CopyTextButton: a bot cannot fill a person's input field outside
inline mode); the sender pastes it, fills it in and sends it as the alert's text. A text that
still holds a placeholder of any template, in any language, is refused before anything is
kept or sent (`unfilled`).
"""

from __future__ import annotations

import functools
import re

from bot.i18n import Translator, translator
from bot.settings import SUPPORTED_LANGUAGES

KINDS = ("unrest", "violent_crime", "attack_elsewhere", "missing_person")
COPY_LIMIT = 256  # characters a CopyTextButton copies (Bot API: 1-256)
_PLACEHOLDER = re.compile(r"\[([^\[\]\n]{1,40})\]")


def label(_: Translator, kind: str) -> str:
    """The template's button."""
    labels = {
        "unrest": _("📝 Unrest"),
        "violent_crime": _("📝 Violent crime"),
        "attack_elsewhere": _("📝 Attack elsewhere"),
        "missing_person": _("📝 Missing person"),
    }
    return labels[kind]


def template(_: Translator, kind: str) -> str:
    """The template's text, in the translator's language: at most `COPY_LIMIT` characters."""
    texts = {
        "unrest": _(
            "Unrest at [place] since [time]: [what is happening]. The police know. Stay away "
            "and share no pictures of people. Seen something? Say what people did, not how "
            "they look. Danger now? Call 112."
        ),
        "violent_crime": _(
            "Violent incident at [place] around [time]: [what happened]. The police are "
            "investigating; do not search yourself. Seen something? Say what people did, not "
            "how they look. Danger now? Call 112."
        ),
        "attack_elsewhere": _(
            "After the attack in [city], people here may feel uneasy too. Look out for each "
            "other and pass on no rumours: we share what is certain. Judge behaviour, not "
            "looks or origin. Danger now? Call 112."
        ),
        "missing_person": _(
            "Missing since [time]: [name], [age], last seen at [place], wearing [clothing]. "
            "Seen [name]? Call 112 at once and say where and what they were doing. Please do "
            "not search on your own."
        ),
    }
    return str(texts[kind])


def placeholders(text: str) -> list[str]:
    """The placeholders in a text as written ("[place]"), each once, in order."""
    return list(dict.fromkeys(m.group(0) for m in _PLACEHOLDER.finditer(text)))


@functools.cache
def known() -> frozenset[str]:
    """Every placeholder of every template in every language, lower case: "[plaats]", "[place]"."""
    found: set[str] = set()
    for language in SUPPORTED_LANGUAGES:
        _ = translator(language)
        for kind in KINDS:
            found.update(p.lower() for p in placeholders(template(_, kind)))
    return frozenset(found)


def unfilled(text: str) -> list[str]:
    """The templates' placeholders still in `text`, as written there; empty when it is filled
    in. Square brackets of the sender's own ("[update 14:00]") are left alone."""
    return [p for p in placeholders(text) if p.lower() in known()]


def unfilled_text(_: Translator, left: list[str]) -> str:
    """The designed answer to an alert text with placeholders left: what to fill in."""
    names = _names(_, left)  # apart: a `_` inside ngettext hides its plural from babel
    return _.ngettext(
        "✏️ Fill in {names} first: it is still as it was in the template. Send the whole text "
        "again, with it filled in. Nothing was sent.",
        "✏️ Fill in {names} first: they are still as they were in the template. Send the whole "
        "text again, with them filled in. Nothing was sent.",
        len(left),
        names=names,
    )


def _names(_: Translator, left: list[str]) -> str:
    """ "[place]", "[place] and [time]", "[place], [time] and [what]"."""
    if len(left) == 1:
        return left[0]
    return _("{names} and {last}", names=", ".join(left[:-1]), last=left[-1])


def invitation(_: Translator) -> str:
    """Below the question for the alert's text: how the template buttons work on a phone."""
    return _(
        "Or start from a template: tap one to copy it, paste it here and fill in what is "
        "between [ ]."
    )
