"""The Cloud API client: pywa_async's `WhatsApp`, its httpx session pointed at `[whatsapp]
graph_url` (Meta's https://graph.facebook.com, or the sandbox in tests and the demo).

`Client.send` takes one rendered message (`whatsapp.render.Outgoing`) and answers what became
of it as plain data: `Accepted` (Meta's wamid) or `Refused` (Meta's error code, and whether it
is passing — a time-out, a 5xx, an unreachable Graph API — or Meta's verdict on this message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from pywa_async import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.types import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import BodyText, QuickReplyButton, TemplateLanguage

from bot.settings import WhatsAppSettings
from whatsapp.render import Outgoing

log = logging.getLogger(__name__)

# Meta's codes that mean "not now", not "not this message": its own trouble and its limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004})
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
REASON_CHARS = 200


class ToGraph(httpx.AsyncBaseTransport):
    """Sends every request to the configured Graph API root's scheme, host and port; the path
    and query stay as pywa made them."""

    def __init__(self, graph_url: str) -> None:
        self._base = httpx.URL(graph_url)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self._base.scheme, host=self._base.host, port=self._base.port
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class Accepted:
    wamid: str


# Texts sent straight (to a stranger; the last word after FORGET ME) have no delivery and no
# row in wa_messages: their status webhooks are expected, not "unknown" (whatsapp.statuses).
_direct: dict[str, None] = {}
_DIRECT_KEPT = 10_000


def _note_direct(wamid: str) -> None:
    if len(_direct) >= _DIRECT_KEPT:
        _direct.pop(next(iter(_direct)))
    _direct[wamid] = None


def sent_directly(wamid: str) -> bool:
    """Whether `wamid` is a text this process sent straight, outside the outbox."""
    return wamid in _direct


@dataclass(frozen=True)
class Refused:
    code: int  # Meta's error code; 0: no answer at all (time-out, connection refused)
    reason: str  # one line, for the log and the delivery's `error`
    passing: bool  # the way to Meta failed (or Meta's own trouble): never final

    @property
    def transient(self) -> bool:
        return self.passing or self.code in TRANSIENT_CODES


Result = Accepted | Refused


class Client:
    def __init__(self, settings: WhatsAppSettings) -> None:
        assert settings.phone_number_id is not None and settings.token is not None
        self.settings = settings
        self._session = httpx.AsyncClient(
            transport=ToGraph(settings.graph_url),
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        )
        self.api = WhatsApp(
            phone_id=settings.phone_number_id,
            token=settings.token.get_secret_value(),
            session=self._session,
            api_version=settings.api_version.removeprefix("v"),
        )

    async def close(self) -> None:
        await self._session.aclose()

    async def send(self, to: str, message: Outgoing) -> Result:
        """Send one message to a WhatsApp user (their business-scoped id or wa_id)."""
        try:
            sent = await self._send(to, message)
        except WhatsAppError as exc:
            status = exc.status_code or 0
            # One short line: a proxy's 502 may answer with a whole HTML page.
            said = " ".join(str(exc.message or "").split())[:REASON_CHARS]
            reason = f"WhatsApp error {exc.code}: {said}"
            return Refused(exc.code, reason, passing=status >= 500)
        except httpx.TimeoutException as exc:
            return Refused(0, f"time-out: {type(exc).__name__}", passing=True)
        except httpx.HTTPError as exc:  # refused or dropped connections, bad answers
            return Refused(0, f"no answer: {type(exc).__name__}", passing=True)
        return Accepted(sent)

    async def send_text(self, to: str, text: str) -> bool:
        """A text straight to a WhatsApp user, outside the outbox (whatsapp.inbound's
        SendText): True when WhatsApp took it."""
        result = await self.send(to, Outgoing(kind="text", text=text))
        if isinstance(result, Refused):
            log.warning("whatsapp: a direct text was not taken: %s", result.reason)
            return False
        _note_direct(result.wamid)
        return True

    async def _send(self, to: str, message: Outgoing) -> str:
        match message.kind:
            case "buttons":
                buttons = [Button(title, callback_data=action) for action, title in message.choices]
                return (await self.api.send_message(to=to, text=message.text, buttons=buttons)).id
            case "list":
                rows = [SectionRow(title=title, callback_data=a) for a, title in message.choices]
                section = SectionList(
                    button_title=message.list_button,
                    sections=[Section(title=message.list_button, rows=rows)],
                )
                return (await self.api.send_message(to=to, text=message.text, buttons=section)).id
            case "location":
                assert message.location is not None
                place = message.location
                sent = await self.api.send_location(
                    to=to,
                    latitude=place.latitude,
                    longitude=place.longitude,
                    name=place.name or None,
                    address=place.address or None,
                )
                return sent.id
            case "template":
                assert message.template is not None
                use = message.template
                params: list[object] = [BodyText.params(*use.params)] if use.params else []  # type: ignore[arg-type]
                params += [
                    QuickReplyButton.params(callback_data=payload, index=index)
                    for index, payload in enumerate(use.payloads)
                ]
                template = await self.api.send_template(
                    to=to,
                    name=use.name,
                    language=TemplateLanguage(use.language),
                    params=params,  # type: ignore[arg-type]
                )
                return template.id
            case _:
                return (await self.api.send_message(to=to, text=message.text)).id
