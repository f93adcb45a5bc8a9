"""The WhatsApp scene of `bondgenoten demo` (added to `bot.demo.SCENES`): a member moves to
WhatsApp, and an alert reaches the network on both channels.

The demo runs the WhatsApp sandbox (`wa_sandbox`) beside Telegram's: the bot's `[whatsapp]`
settings point at it, its signed webhooks reach the bot's listener. What happens on WhatsApp is
narrated in the timeline (💬 lines) where it happened.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot import services
from bot.demo_cast import Cast, settle, tap
from sandbox import SimMessage
from wa_sandbox import WaMessage, WaSandbox, WaUser
from whatsapp import templates
from whatsapp.dispatcher import WaDispatcher

APP_SECRET = "demo-app-secret"
VERIFY_TOKEN = "demo-verify-token"
WIM_PHONE = "31612345678"
WA_ME = "wa.me"  # the link that opens WhatsApp with the code typed in
ALERT = (
    "Er is brand in de flat aan de Kamperfoelieweg. De brandweer is ter plaatse; de weg is "
    "afgesloten. Houd ramen en deuren dicht."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def whatsapp_beside(cast: Cast) -> AsyncIterator[dict[str, Any]]:
    """The WhatsApp sandbox for the demo, with the bot's doorbell templates approved; yields
    the bot's `[whatsapp]` settings for it."""
    async with WaSandbox(
        app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, now=cast.clock.now
    ) as wa:
        for declared in templates.DECLARED:
            wa.add_template(
                declared.name,
                declared.language,
                declared.body,
                buttons=declared.buttons,
                category=declared.category,
            )
        port = _free_port()
        wa.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
        cast.wa = wa
        yield {
            "phone_number_id": wa.phone_number_id,
            "token": wa.access_token,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "display_phone": wa.display_phone,
            "listen": f"127.0.0.1:{port}",
            "graph_url": wa.graph_url,
        }


class WhatsAppNarrator:
    """Puts what happened on WhatsApp since the last look into the timeline."""

    def __init__(self, cast: Cast, wa: WaSandbox) -> None:
        self.cast, self.wa = cast, wa
        self.seen = wa.mark()

    def tell(self) -> None:
        for line in self.wa.transcript(self.seen).splitlines():
            self.cast.say(f"  {line}")
        self.seen = self.wa.mark()


async def settled(cast: Cast, narrator: WhatsAppNarrator) -> None:
    """Both channels quiet: Telegram's chats, the WhatsApp outbox and webhooks."""
    svc = services.of(cast.app)
    for _ in range(3):  # a webhook handled may queue more, which may bring a webhook
        await settle(cast)
        if isinstance(svc.whatsapp, WaDispatcher):
            await svc.whatsapp.idle()
        await narrator.wa.idle(timeout=60)
        if svc.wa_webhook is not None:
            await svc.wa_webhook.idle()
    narrator.tell()


def _wa_me_code(screen: SimMessage) -> str:
    """The code the wa.me link types into WhatsApp ("KOPPEL 4F7K2Q9A" → the code)."""
    urls = [b.url for b in _buttons(screen) if b.url and "wa.me" in b.url]
    if not urls:
        raise AssertionError(f"no wa.me button under {(screen.text or '')[:70]!r}")
    [text] = parse_qs(urlsplit(urls[0]).query)["text"]
    return text.split()[-1]


def _buttons(message: SimMessage) -> list[Any]:
    return [b for row in message.buttons for b in row]


def _ack(message: WaMessage) -> str:
    """The title of the acknowledge button of an alert on WhatsApp."""
    for title, action in zip(message.buttons, message.button_ids, strict=True):
        if action.startswith("inc:ack:"):
            return title
    raise AssertionError(f"no acknowledge button among {message.buttons}")


async def on_whatsapp_and_telegram(cast: Cast) -> None:
    """Wim would rather get Noord's alerts on WhatsApp. On his /profile card he taps 📱
    WhatsApp; the wa.me link opens WhatsApp with a one-time code typed in, and he sends it: his
    opt-in, recorded. A fire: Karin's alert reaches the group and Ahmed on Telegram and Wim on
    WhatsApp, with the same buttons. Both acknowledge, and Karin's status counts both."""
    wa = cast.wa
    assert wa is not None
    narrator = WhatsAppNarrator(cast, wa)
    wim, karin, ahmed = cast.wim, cast.karin, cast.ahmed
    wim_wa: WaUser = wa.user("Wim de Boer", phone=WIM_PHONE)

    await wim.send("/profile")
    card = await wim.expect("Noord")
    await tap(wim, card, "📱")
    await cast.sandbox.wait_for(lambda: any(WA_ME in (b.url or "") for b in _buttons(card)))
    code = _wa_me_code(card)
    cast.say("  📱 Wim taps the link: WhatsApp opens the bot's number with the code typed in")
    await wim_wa.write(f"KOPPEL {code}")
    narrator.tell()
    await wim_wa.wait_for(lambda m: code not in m.text)
    narrator.tell()
    await wim.expect(None)  # Telegram confirms it too
    await settled(cast, narrator)

    await karin.send(f"/alert Noord {ALERT}")
    preview = await karin.expect("Kamperfoelieweg")
    await tap(karin, preview, "🔴")
    await cast.sandbox.wait_for(lambda: len(preview.edits) > 0)
    await tap(karin, preview, "📤")
    await cast.group.expect("Kamperfoelieweg")
    alert = await ahmed.expect("Kamperfoelieweg")
    on_whatsapp = await wim_wa.wait_for(lambda m: "Kamperfoelieweg" in m.text, timeout=60)
    narrator.tell()
    await settled(cast, narrator)

    await tap(ahmed, alert, "✅")
    await wim_wa.tap(on_whatsapp, _ack(on_whatsapp))
    narrator.tell()
    await settled(cast, narrator)
    status = next(  # the newest status message: the one with 👀 under it
        m for m in reversed(karin.private_chat.bot_messages()) if "👀" in "".join(m.button_texts())
    )
    await cast.sandbox.wait_for(lambda: "gezien 2" in (status.text or ""), timeout=30)
    cast.say("  👮 Karin's status counts Ahmed's ✅ on Telegram and Wim's on WhatsApp: gezien 2")
