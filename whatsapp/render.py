"""A delivery as WhatsApp messages: the domain's plain messages (Telegram-flavoured HTML, buttons
as data) in WhatsApp's own forms.

- Text: HTML becomes WhatsApp's markup (*bold*, _italic_, ~strike~, ```mono```), links their
  address in brackets, entities plain characters.
- Buttons: up to 3 actions → reply buttons (id = the action string, title cut to 20
  characters); 4-10 → a list (row title cut to 24); more → numbered lines in the text (a typed
  number answers them, whatsapp.inbound). URL buttons become lines "label: address".
- A text too long for one message is split at paragraphs, lines or spaces: the part with the
  buttons at most 1,024 characters (WhatsApp's limit for an interactive body), the others at
  most 4,096. Each part is one message; the delivery is sent once its last part is.
- A venue → a location. Polls, pins, closing a poll have no WhatsApp form: `Unsendable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bot.i18n import Translator
from domain import ports
from domain.ports import Button, buttons_of
from storage.deliveries import Delivery

TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # the body of an interactive message
BUTTON_TITLE = 20
ROW_TITLE = 24
MAX_BUTTONS = 3
MAX_ROWS = 10
LIST_BUTTON = 20  # the list's own button ("Choose")


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class TemplateUse:
    name: str
    language: str
    params: tuple[str, ...] = ()
    payloads: tuple[str, ...] = ()  # one per quick reply button, in order


@dataclass(frozen=True)
class Outgoing:
    """One WhatsApp message: kind 'text', 'buttons', 'list', 'location' or 'template'."""

    kind: str
    text: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (action, title) of buttons or list rows
    list_button: str = ""
    location: Place | None = None
    template: TemplateUse | None = None
    # The actions a typed reply may answer (buttons, rows, numbered lines), in order.
    actions: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Unsendable:
    reason: str


def render(delivery: Delivery, _: Translator) -> list[Outgoing] | Unsendable:
    """The messages that carry a delivery on WhatsApp, in order."""
    params = delivery.params
    if delivery.method == ports.VENUE:
        place = Place(
            float(params["latitude"]),
            float(params["longitude"]),
            str(params.get("title", ""))[:1000],
            str(params.get("address", ""))[:1000],
        )
        return [Outgoing("location", location=place)]
    if delivery.method not in (ports.MESSAGE, "sendMessage"):
        return Unsendable(f"no WhatsApp form for {delivery.method}")
    return message(str(params.get("text", "")), buttons_of(params), _)


def message(html_text: str, keyboard: ports.Keyboard, _: Translator) -> list[Outgoing]:
    text = to_whatsapp(html_text)
    flat = [button for row in keyboard for button in row]
    links = [b for b in flat if b.url]
    actions = [b for b in flat if b.action and not b.url]
    if links:
        text = "\n".join([text, "", *(f"{b.label}: {b.url}" for b in links)]).strip()
    if len(actions) > MAX_ROWS:
        lines = [f"{number}. {b.label}" for number, b in enumerate(actions, 1)]
        text = "\n".join([text, "", *lines, "", _("Reply with a number.")])
        return [Outgoing("text", part, actions=_actions(actions)) for part in split(text)]
    if not actions:
        return [Outgoing("text", part) for part in split(text)]
    *before, last = split(text, last_limit=BODY_LIMIT)
    parts = [Outgoing("text", part) for part in before]
    if len(actions) <= MAX_BUTTONS:
        choices = tuple((b.action, cut(b.label, BUTTON_TITLE)) for b in actions)
        parts.append(Outgoing("buttons", last, choices, actions=_actions(actions)))
    else:
        choices = tuple((b.action, cut(b.label, ROW_TITLE)) for b in actions)
        choose = cut(_("Choose"), LIST_BUTTON)
        parts.append(Outgoing("list", last, choices, choose, actions=_actions(actions)))
    return parts


def _actions(buttons: list[Button]) -> tuple[str, ...]:
    return tuple(b.action for b in buttons)


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split(text: str, *, last_limit: int = TEXT_LIMIT) -> list[str]:
    """The text in parts of at most 4,096 characters (the last at most `last_limit`), cut at a
    paragraph, else a line, else a space, else anywhere; nothing is lost. Never empty."""
    text = text.strip() or "…"
    parts: list[str] = []
    rest = text
    # From the end: the last part first, so that it fits its own (smaller) limit.
    limit = last_limit
    while len(rest) > limit:
        at = _cut_point(rest, len(rest) - limit)
        parts.insert(0, rest[at:].strip())
        rest = rest[:at].rstrip()
        limit = TEXT_LIMIT
    parts.insert(0, rest)
    return [part for part in parts if part]


def _cut_point(text: str, earliest: int) -> int:
    """Where to cut so that text[at:] is short enough: at or after `earliest`, at the first
    paragraph break, line break or space there."""
    for mark in ("\n\n", "\n", " "):
        at = text.find(mark, earliest)
        if at != -1 and at - earliest < 1000:
            return at
    return earliest


# --- HTML to WhatsApp's markup -------------------------------------------------------------

_MARKS = {"b": "*", "strong": "*", "i": "_", "em": "_", "s": "~", "strike": "~", "del": "~"}


class _ToWhatsApp(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag in ("code", "pre"):
            self.out.append("```")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "a":
            self._links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag in ("code", "pre"):
            self.out.append("```")
        elif tag == "a" and self._links:
            href = self._links.pop()
            if href and not href.startswith("tg://"):
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def to_whatsapp(html_text: str) -> str:
    """Telegram's HTML as WhatsApp's markup: tags become marks, entities characters."""
    parser = _ToWhatsApp()
    parser.feed(html_text)
    parser.close()
    text = "".join(parser.out)
    # A mark around nothing but spaces shows as the bare character: drop it.
    text = re.sub(r"([*_~])(\s*)\1", r"\2", text)
    return text.strip()  # entities became characters once (convert_charrefs), never twice
