"""The simulated side of WhatsApp: members with phones, what they received, the templates.

A ``WaUser`` is a WhatsApp member as a test drives them: they ``write`` and ``tap`` (each an
inbound webhook to the bot) and keep an ``inbox`` of what the business sent, parsed into
``WaMessage`` (kind, text, button titles, the template used).
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wa_sandbox.sandbox import WaSandbox

WINDOW = timedelta(hours=24)
# {{1}} (positional) or {{network}} (named: parameter_format NAMED)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


def new_wamid() -> str:
    """A message id in Meta's style (opaque, URL-safe base64 after ``wamid.``)."""
    return "wamid." + secrets.token_urlsafe(24)


@dataclass
class Template:
    """A message template of the business account, as Meta holds it."""

    name: str
    language: str
    body: str
    buttons: tuple[str, ...] = ()  # quick-reply titles, in order
    category: str = "UTILITY"
    status: str = "APPROVED"
    header: str | None = None
    id: int = field(default_factory=lambda: secrets.randbelow(10**15) + 10**15)

    @property
    def param_names(self) -> list[str]:
        """The body's parameters in order: "1", "2" … or their names."""
        return _names(self.body)

    @property
    def header_param_names(self) -> list[str]:
        return _names(self.header or "")

    @property
    def named(self) -> bool:
        return any(not n.isdigit() for n in self.param_names + self.header_param_names)

    def render(self, params: list[str], header_params: list[str] | None = None) -> str:
        """The body (and header) as the member sees it, parameters given in order."""

        def fill(text: str, values: list[str]) -> str:
            order = _names(text)
            return _PLACEHOLDER.sub(lambda m: values[order.index(m.group(1))], text)

        body = fill(self.body, params)
        if self.header:
            return fill(self.header, header_params or []) + "\n" + body
        return body


def _names(text: str) -> list[str]:
    names: list[str] = []
    for name in _PLACEHOLDER.findall(text):
        if name not in names:
            names.append(name)
    return sorted(names, key=int) if all(n.isdigit() for n in names) else names


@dataclass
class TemplateUse:
    """Which template a message used, in what language, with which parameters."""

    name: str
    language: str
    params: list[str]
    payloads: dict[int, str]  # button index -> the payload the bot set for it


@dataclass
class WaMessage:
    """One message a member received from the business."""

    wamid: str
    kind: str  # text, interactive, template, location, image, ...
    text: str
    buttons: list[str]  # titles: reply buttons, list rows or template quick replies
    button_ids: list[str]  # the ids (interactive) or payloads (template), same order
    at: datetime
    raw: dict[str, Any] = field(repr=False)
    interactive: str | None = None  # "button" or "list"
    template: TemplateUse | None = None
    location: dict[str, Any] | None = None
    reply_to: str | None = None
    tracker: str | None = None  # biz_opaque_callback_data
    status: str = "accepted"  # sent, delivered, read, failed

    def has_button(self, title: str) -> bool:
        return title in self.buttons


@dataclass
class Inbound:
    """One message a member sent to the business (what the bot may mark as read)."""

    wamid: str
    user: WaUser
    at: datetime
    read: bool = False


class WaUser:
    """A simulated WhatsApp member. Get one with ``WaSandbox.user(name, phone=...)``."""

    def __init__(self, sb: WaSandbox, name: str, phone: str | None, bsuid: str) -> None:
        self._sb = sb
        self.name = name
        self.phone = phone
        self.bsuid = bsuid  # business-scoped user id: "NL.<digits>"
        self.inbox: list[WaMessage] = []
        self.sent: list[str] = []  # wamids of what they wrote or tapped
        self.last_inbound: datetime | None = None
        self.reads = True  # reads each message as it arrives ("read" status)
        self.online = True  # offline: "sent" only, "delivered" and "read" when back
        self.blocked = False  # blocked the business: messages fail with 131026
        self.known = True  # False: the number is not on WhatsApp (131026)

    def __repr__(self) -> str:
        return f"WaUser({self.name!r}, phone={self.phone!r}, bsuid={self.bsuid!r})"

    @property
    def wa_id(self) -> str:
        """What the bot sees as the sender: the phone number when shown, else the BSUID."""
        return self.phone or self.bsuid

    def window_open(self, now: datetime) -> bool:
        """Whether the business may send free-form messages (24 h after the last inbound)."""
        return self.last_inbound is not None and now - self.last_inbound < WINDOW

    @property
    def opted_in(self) -> bool:
        """Has written to the business at least once (how the bot records consent)."""
        return self.last_inbound is not None

    # ---- acting ----
    async def write(self, text: str, *, reply_to: WaMessage | None = None) -> str:
        """Send a text message to the business; it opens the 24-hour window. Returns its wamid."""
        message: dict[str, Any] = {"type": "text", "text": {"body": text}}
        if reply_to is not None:
            message["context"] = self._context(reply_to)
        return await self._sb.inbound(self, message)

    async def tap(self, msg: WaMessage, title: str) -> str:
        """Tap a reply button, list row or template quick reply of a received message."""
        if msg not in self.inbox:
            raise AssertionError(f"{self.name} never received {msg.wamid}")
        if title not in msg.buttons:
            raise AssertionError(f"no button {title!r} on that message; it has {msg.buttons}")
        at = msg.buttons.index(title)
        ident = msg.button_ids[at]
        message: dict[str, Any]
        if msg.kind == "template":
            message = {"type": "button", "button": {"payload": ident, "text": title}}
        elif msg.interactive == "list":
            reply = {"id": ident, "title": title}
            message = {
                "type": "interactive",
                "interactive": {"type": "list_reply", "list_reply": reply},
            }
        else:
            reply = {"id": ident, "title": title}
            message = {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": reply},
            }
        message["context"] = self._context(msg)
        return await self._sb.inbound(self, message)

    async def share_location(self, latitude: float, longitude: float, name: str = "") -> str:
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            location["name"] = name
        return await self._sb.inbound(self, {"type": "location", "location": location})

    async def change_number(self, phone: str) -> str:
        """The member moves to a new number: a ``user_changed_number`` system message, and a new
        business-scoped id (as Meta announces for BSUIDs)."""
        return await self._sb.number_changed(self, phone)

    def come_online(self) -> None:
        """Back online: what waited on the server is delivered (and read, if they read)."""
        self.online = True
        for msg in self.inbox:
            if msg.status == "sent":
                self._sb.deliver(self, msg)

    async def read(self, msg: WaMessage) -> None:
        """Read a message (a ``read`` status webhook), for members who do not read at once."""
        self._sb.status(self, msg, "read")

    def _context(self, msg: WaMessage) -> dict[str, str]:
        return {"from": self._sb.display_phone, "id": msg.wamid}

    # ---- observing ----
    async def wait_for(
        self,
        predicate: Callable[[WaMessage], bool] = lambda m: True,
        timeout: float = 10,  # noqa: ASYNC109 - the driver's contract, as SimUser's
        *,
        after: int = 0,
    ) -> WaMessage:
        """The first message in the inbox (from index ``after``) that fits ``predicate``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for msg in self.inbox[after:]:
                if predicate(msg):
                    return msg
            remaining = deadline - loop.time()
            if remaining <= 0:
                kinds = [(m.kind, m.text[:40]) for m in self.inbox]
                raise AssertionError(f"{self.name} got no such message within {timeout}s: {kinds}")
            await self._sb.changed(min(remaining, 0.05))

    def texts(self) -> list[str]:
        return [m.text for m in self.inbox]


def parse_outbound(
    body: dict[str, Any], wamid: str, at: datetime, template: Template | None
) -> WaMessage:
    """What the member's phone shows for a valid request body."""
    kind = body.get("type", "text")
    content = body.get(kind, {})
    msg = WaMessage(
        wamid=wamid, kind=kind, text="", buttons=[], button_ids=[], at=at, raw=body,
        reply_to=body.get("context", {}).get("message_id"),
        tracker=body.get("biz_opaque_callback_data"),
    )  # fmt: skip
    if kind == "text":
        msg.text = content["body"]
    elif kind == "interactive":
        msg.interactive = content["type"]
        parts = [content.get("header", {}).get("text", ""), content.get("body", {}).get("text", "")]
        parts.append(content.get("footer", {}).get("text", ""))
        msg.text = "\n".join(p for p in parts if p)
        action = content.get("action", {})
        for button in action.get("buttons", ()):
            msg.buttons.append(button["reply"]["title"])
            msg.button_ids.append(button["reply"]["id"])
        for section in action.get("sections", ()):
            for row in section.get("rows", ()):
                msg.buttons.append(row["title"])
                msg.button_ids.append(row["id"])
    elif kind == "template" and template is not None:
        params: list[str] = []
        header_params: list[str] = []
        payloads: dict[int, str] = {}
        for component in content.get("components", ()):
            ctype = str(component["type"]).lower()
            given = component.get("parameters", ())
            order = template.param_names if ctype == "body" else template.header_param_names
            if ctype in ("body", "header") and any("parameter_name" in p for p in given):
                by_name = {p.get("parameter_name"): p for p in given}
                given = [by_name[n] for n in order if n in by_name]
            values = [_param_text(p) for p in given]
            if ctype == "body":
                params = values
            elif ctype == "header":
                header_params = values
            elif ctype == "button":
                payloads[int(component["index"])] = values[0] if values else ""
        msg.template = TemplateUse(template.name, template.language, params, payloads)
        msg.text = template.render(params, header_params)
        msg.buttons = list(template.buttons)
        msg.button_ids = [payloads.get(i) or title for i, title in enumerate(template.buttons)]
    elif kind == "location":
        msg.location = dict(content)
        msg.text = "\n".join(str(content[k]) for k in ("name", "address") if content.get(k))
    else:
        msg.text = str(content.get("caption", "")) if isinstance(content, dict) else ""
    return msg


def _param_text(param: dict[str, Any]) -> str:
    """A template parameter as the member reads it."""
    kind = param.get("type")
    if kind == "text":
        return str(param.get("text", ""))
    if kind == "payload":
        return str(param.get("payload", ""))
    if kind == "currency":
        return str(param.get("currency", {}).get("fallback_value", ""))
    if kind == "date_time":
        return str(param.get("date_time", {}).get("fallback_value", ""))
    return f"<{kind}>"
