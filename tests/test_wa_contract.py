"""The contract between pywa and Meta's description: what our channel sends, pywa builds, and
the WhatsApp sandbox validates each body against Meta's (corrected) schema.

A pywa upgrade that changes what it sends for one of the kinds the channel uses (text, reply
buttons, a list, a template with a quick reply, a location, mark as read) fails here before it
reaches a member. pywa_async's real client is used; only its httpx session is pointed at the
sandbox. The last test sends what the channel itself renders (whatsapp.render, the doorbell)
through the channel's own client (whatsapp.client), so a rendering that breaks Meta's rules
fails here too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from pywa_async import WhatsApp
from pywa_async.errors import RateLimitHit
from pywa_async.types import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import BodyText, QuickReplyButton, TemplateLanguage

from bot.i18n import translator
from bot.settings import WhatsAppSettings
from domain.ports import Button as Button_
from wa_sandbox import WaRequest, WaSandbox, WaUser
from whatsapp import render, templates
from whatsapp.client import Accepted, Client
from whatsapp.render import Outgoing, Place


class ToSandbox(httpx.AsyncBaseTransport):
    """Sends every request to the sandbox's host and port, path and query unchanged."""

    def __init__(self, base_url: str) -> None:
        self._base = httpx.URL(base_url)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self._base.scheme, host=self._base.host, port=self._base.port
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
async def wa() -> AsyncIterator[WaSandbox]:
    async with WaSandbox(pair_interval=0) as sb:
        sb.add_template(
            "bg_doorbell", "nl", "Nieuw bericht van netwerk {{1}}.", buttons=["Toon bericht"]
        )
        yield sb


@pytest.fixture
async def client(wa: WaSandbox) -> AsyncIterator[WhatsApp]:
    async with httpx.AsyncClient(transport=ToSandbox(wa.graph_url)) as session:
        yield WhatsApp(
            phone_id=wa.phone_number_id,
            token=wa.access_token,
            session=session,
            api_version=wa.api_version.removeprefix("v"),
        )


@pytest.fixture
async def ayse(wa: WaSandbox) -> WaUser:
    member = wa.user("Ayşe Yılmaz", phone="31612345678")
    await member.write("LINK 4F7K2Q")
    return member


def the_one_request(wa: WaSandbox) -> WaRequest:
    """The single request pywa made, which the sandbox must have validated and accepted."""
    (request,) = wa.requests
    assert request.ok, f"{request.error_code}: {request.problem}"
    assert request.path == f"/{wa.api_version}/{wa.phone_number_id}/messages"
    assert wa.validator.message_problem(request.body) is None
    return request


async def test_a_text(wa: WaSandbox, client: WhatsApp, ayse: WaUser) -> None:
    sent = await client.send_message(to=ayse.wa_id, text="*Inbraak* Dorpsstraat 12")
    body = the_one_request(wa).body
    assert body["type"] == "text"
    msg = await ayse.wait_for()
    assert (msg.wamid, msg.text) == (sent.id, "*Inbraak* Dorpsstraat 12")


async def test_reply_buttons(wa: WaSandbox, client: WhatsApp, ayse: WaUser) -> None:
    await client.send_message(
        to=ayse.wa_id,
        text="Inbraak Dorpsstraat 12. Heb je het gezien?",
        buttons=[
            Button("Gezien", callback_data="inc:ack:12"),
            Button("Ik reageer", callback_data="inc:reply:12"),
            Button("Bel mij", callback_data="inc:call:12"),
        ],
    )
    body = the_one_request(wa).body
    assert body["interactive"]["type"] == "button"
    msg = await ayse.wait_for()
    assert msg.buttons == ["Gezien", "Ik reageer", "Bel mij"]
    assert msg.button_ids == ["inc:ack:12", "inc:reply:12", "inc:call:12"]


async def test_a_list(wa: WaSandbox, client: WhatsApp, ayse: WaUser) -> None:
    moods = ["Rustig", "Gespannen", "Onveilig", "Weet niet", "Prima"]
    rows = [SectionRow(title=m, callback_data=f"pulse:m:7:{i}") for i, m in enumerate(moods)]
    await client.send_message(
        to=ayse.wa_id,
        text="Hoe voelt de buurt deze week?",
        buttons=SectionList(button_title="Kies", sections=[Section(title="Stemming", rows=rows)]),
    )
    body = the_one_request(wa).body
    assert body["interactive"]["type"] == "list"
    msg = await ayse.wait_for()
    assert (msg.interactive, msg.buttons) == ("list", moods)


async def test_a_template_with_a_quick_reply(wa: WaSandbox, client: WhatsApp, ayse: WaUser) -> None:
    await client.send_template(
        to=ayse.wa_id,
        name="bg_doorbell",
        language=TemplateLanguage.DUTCH,
        params=[
            BodyText.params("Dorpsstraat"),
            QuickReplyButton.params(callback_data="show:12", index=0),
        ],
    )
    body = the_one_request(wa).body
    assert body["template"]["name"] == "bg_doorbell"
    msg = await ayse.wait_for()
    assert msg.text == "Nieuw bericht van netwerk Dorpsstraat."
    assert msg.template is not None and msg.template.payloads == {0: "show:12"}
    await ayse.tap(msg, "Toon bericht")


async def test_a_location(wa: WaSandbox, client: WhatsApp, ayse: WaUser) -> None:
    await client.send_location(
        to=ayse.wa_id,
        latitude=52.0907,
        longitude=5.1214,
        name="Buurthuis De Linde",
        address="Dorpsstraat 12, Utrecht",
    )
    the_one_request(wa)
    msg = await ayse.wait_for()
    assert msg.location == {
        "latitude": 52.0907,
        "longitude": 5.1214,
        "name": "Buurthuis De Linde",
        "address": "Dorpsstraat 12, Utrecht",
    }


async def test_mark_as_read(wa: WaSandbox, client: WhatsApp, ayse: WaUser) -> None:
    result = await client.mark_message_as_read(ayse.sent[0])
    assert result.success
    assert the_one_request(wa).body == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": ayse.sent[0],
    }


async def test_a_member_known_only_by_business_scoped_id(wa: WaSandbox, client: WhatsApp) -> None:
    noor = wa.user("Noor")
    await noor.write("LINK 77AA")
    sent = await client.send_message(to=noor.bsuid, text="Welkom")
    request = the_one_request(wa)
    assert request.to is noor
    assert (await noor.wait_for()).wamid == sent.id


async def test_pywa_raises_meta_s_error_with_its_code(
    wa: WaSandbox, client: WhatsApp, ayse: WaUser
) -> None:
    wa.fail(code=130429)
    with pytest.raises(RateLimitHit) as caught:
        await client.send_message(to=ayse.wa_id, text="x")
    assert caught.value.code == 130429
    details: Any = caught.value.details
    assert "throughput" in str(details)


# ---- the channel's own rendering, through the channel's own client ----


def _channel_client(wa: WaSandbox) -> Client:
    settings = WhatsAppSettings(
        phone_number_id=wa.phone_number_id,
        token=SecretStr(wa.access_token),
        graph_url=wa.graph_url,
        api_version=wa.api_version,
    )
    return Client(settings)


ALERT = (
    "🔴 <b>Inbraak</b> bij <i>Dorpsstraat 12</i> &amp; omgeving. "
    "Politie ter plaatse. <a href='https://example.org/x'>Meer</a>"
)


def _keyboards() -> list[tuple[str, list[list[Button_]]]]:
    acks = [[Button_("✅ Gezien", "inc:ack:12"), Button_("💬 Ik reageer", "inc:reply:12")]]
    acks += [[Button_("📞 Bel mij alstublieft zo snel mogelijk", "inc:call:12")]]
    moods = [[Button_(f"Stemming nummer {i} van de buurt", f"pulse:m:7:{i}")] for i in range(6)]
    many = [[Button_(f"Keuze {i}", f"mtg:att:3:{i}")] for i in range(12)]
    links = [[Button_("Kaart", url="https://example.org/kaart"), Button_("Gezien", "inc:ack:12")]]
    return [
        (ALERT, acks),
        ("Hoe voelt de buurt?", moods),
        ("Kies een moment", many),
        (ALERT, links),
        (ALERT * 40, acks),  # long: split, the part with the buttons within 1,024 characters
        ("Alleen tekst", []),
    ]


async def test_what_the_channel_renders_passes_through_its_own_client(wa: WaSandbox) -> None:
    ayse = wa.user("Ayşe Yılmaz", phone="31612345678")
    await ayse.write("KOPPEL 4F7K2Q9A")
    outgoing: list[Outgoing] = []
    for text, keyboard in _keyboards():
        outgoing += render.message(text, keyboard, translator("nl"))
    outgoing.append(Outgoing("location", location=Place(52.09, 5.12, "Buurthuis", "Dorpsstraat")))
    outgoing.append(templates.doorbell("nl", "Noord", 12))
    client = _channel_client(wa)
    try:
        results = [await client.send(ayse.bsuid, message) for message in outgoing]
    finally:
        await client.close()
    refused = [
        (r, m.kind) for r, m in zip(results, outgoing, strict=True) if not isinstance(r, Accepted)
    ]
    assert not refused, refused
    assert all(r.ok for r in wa.requests), [r.problem for r in wa.requests if not r.ok]
    kinds = {m.kind for m in outgoing}
    assert kinds == {"text", "buttons", "list", "location", "template"}
    assert len(ayse.inbox) == len(outgoing)
