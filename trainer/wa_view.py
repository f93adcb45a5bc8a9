"""What the WhatsApp phone shows, as plain data for the page (JSON).

The conversation is the WhatsApp sandbox's: what the bot sent the member (parsed from the
requests Meta's schema accepted) and what the member wrote or tapped, in order. The bot's
WhatsApp markup (*bold*, _italic_, ~strike~, ```mono```) becomes tags on text that was escaped
first, so nothing anyone typed or the bot sent can become markup on the page; web addresses
become elements the page's script knows (`data-url`), nothing navigates by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from markupsafe import escape

from wa_sandbox import WaMessage, WaSandbox, WaUser

Texts = Callable[..., str]
Moment = Callable[[datetime], str]

_MONO = re.compile(r"```(.+?)```", re.DOTALL)
# WhatsApp's markers: around text that does not start or end with a space, not inside a word.
_MARKS = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "s"),
)
# An address ends at white space; a closing mark or full stop after it is not part of it.
_URL = re.compile(r"https?://\S+?(?=[.,;:!?)*_~]*(?:\s|$))")
_TAP = re.compile(r"^taps \[(?P<title>.*)\]$", re.DOTALL)
# What the bot heard of its message (the sandbox's status webhooks): WhatsApp's ticks.
TICKS = {"accepted": "🕓", "sent": "✓", "delivered": "✓✓", "read": "✓✓", "failed": "⚠"}


def _marked(text: str) -> str:
    """Plain text (no mono): addresses become link elements, the rest is escaped and marked."""
    out: list[str] = []
    at = 0
    for url in _URL.finditer(text):
        out.append(_marks(str(escape(text[at : url.start()]))))
        address = escape(url.group(0))
        out.append(f'<a class="link" href="#" data-url="{address}">{address}</a>')
        at = url.end()
    out.append(_marks(str(escape(text[at:]))))
    return "".join(out)


def _marks(escaped: str) -> str:
    for pattern, tag in _MARKS:
        escaped = pattern.sub(rf"<{tag}>\1</{tag}>", escaped)
    return escaped


def wa_html(text: str) -> str:
    """`text` in WhatsApp's markup as safe HTML: every piece escaped, then the markers become
    tags (none inside ```mono``` or an address)."""
    out: list[str] = []
    at = 0
    for mono in _MONO.finditer(text):
        out.append(_marked(text[at : mono.start()]))
        out.append(f"<code>{escape(mono.group(1))}</code>")
        at = mono.end()
    out.append(_marked(text[at:]))
    return "".join(out).replace("\n", "<br>")


def received_view(index: int, msg: WaMessage, moment: Moment) -> dict[str, Any]:
    """One message from the bot as the member's phone shows it; `index` is its place in the
    member's inbox (how the page names it when tapping)."""
    view: dict[str, Any] = {
        "id": index,
        "mine": False,
        "kind": msg.kind,
        "time": moment(msg.at),
        "status": msg.status,
        "ticks": TICKS.get(msg.status, ""),
        "buttons": [],
    }
    if msg.kind == "location" and msg.location is not None:
        where = msg.location
        view["location"] = {
            "name": str(where.get("name", "")),
            "address": str(where.get("address", "")),
            "at": _coordinates(where),
        }
        return view
    view["html"] = wa_html(msg.text)
    if msg.kind == "template":
        view["template"] = True
        view["buttons"] = list(msg.buttons)
    elif msg.interactive == "list":
        action = msg.raw.get("interactive", {}).get("action", {})
        rows = [row for section in action.get("sections", ()) for row in section.get("rows", ())]
        view["list"] = {
            "button": str(action.get("button", "")),
            "rows": [
                {"title": str(r.get("title", "")), "description": str(r.get("description", ""))}
                for r in rows
            ],
        }
    elif msg.interactive == "button":
        view["buttons"] = list(msg.buttons)
    return view


def _coordinates(where: dict[str, Any]) -> str:
    try:
        return f"{float(where['latitude']):.4f}, {float(where['longitude']):.4f}"
    except (KeyError, TypeError, ValueError):
        return ""


def conversation(wa: WaSandbox, user: WaUser, moment: Moment, _: Texts) -> list[dict[str, Any]]:
    """The member's chat with the bot's number, in order: received messages and what they
    wrote or tapped (a tap shows as the button's title, as WhatsApp shows a reply)."""
    shown: list[dict[str, Any]] = []
    received = 0
    for event in wa.log:
        if event.user is not user:
            continue
        if event.direction == "received":
            if received < len(user.inbox):
                shown.append(received_view(received, user.inbox[received], moment))
            received += 1
            continue
        tap = _TAP.match(event.text)
        view: dict[str, Any] = {"mine": True, "kind": event.kind}
        if tap is not None:
            view["tap"] = tap.group("title")
        elif event.kind == "location":
            view["html"] = str(escape("📍 " + _("a place on the map")))
        else:
            view["html"] = wa_html(event.text)
        shown.append(view)
    return shown
