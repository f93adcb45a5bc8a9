"""The training ground's WhatsApp steps: Wim moves to WhatsApp, and an alert reaches Noord on
both channels. They drive the same simulated people (and Wim's WhatsApp phone) through the
same real bot as a trainer does by hand: /profile → 📱 WhatsApp → the wa.me link's code sent on
WhatsApp; Karin's /alert; Wim's tap on [✅ Gezien].
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bot.demo_cast import Cast, tap
from sandbox import SimMessage
from trainer.world import TrainerCast
from wa_sandbox import WaMessage

WA_WAIT = 60  # seconds: WhatsApp paces messages to one member (one per six seconds)
FIRE = (
    "Er is brand in de flat aan de Kamperfoelieweg. De brandweer is ter plaatse; de weg is "
    "afgesloten. Houd ramen en deuren dicht."
)


def _wa_me(message: SimMessage) -> str | None:
    for row in message.buttons:
        for button in row:
            if button.url and "wa.me" in button.url:
                return button.url
    return None


async def wim_moves_to_whatsapp(cast: Cast) -> None:
    """On his /profile card Wim taps 📱 WhatsApp; the wa.me link opens WhatsApp with a
    one-time code typed in, and he sends it: his opt-in. Noord reaches him on WhatsApp now."""
    assert isinstance(cast, TrainerCast) and cast.wim_wa is not None
    wim, wim_wa = cast.wim, cast.wim_wa
    await wim.send("/profile")
    card = await wim.expect("Noord")
    await tap(wim, card, "📱")
    await cast.sandbox.wait_for(lambda: _wa_me(card) is not None)
    url = _wa_me(card)
    assert url is not None
    [typed] = parse_qs(urlsplit(url).query)["text"]
    before = len(wim_wa.inbox)
    await wim_wa.write(typed)
    await wim_wa.wait_for(lambda m: "Noord" in m.text, timeout=WA_WAIT, after=before)


def _ack(message: WaMessage) -> str:
    for title, action in zip(message.buttons, message.button_ids, strict=True):
        if action.startswith("inc:ack:"):
            return title
    raise AssertionError(f"no acknowledge button among {message.buttons}")


async def an_alert_on_both_channels(cast: Cast) -> None:
    """A fire: Karin's alert reaches the group and Ahmed on Telegram and Wim on WhatsApp, with
    the same buttons. Wim taps [✅ Gezien] on WhatsApp; Karin's status counts him."""
    assert isinstance(cast, TrainerCast) and cast.wim_wa is not None
    karin, wim_wa = cast.karin, cast.wim_wa
    before = len(wim_wa.inbox)
    await karin.send(f"/alert Noord {FIRE}")
    preview = await karin.expect("Kamperfoelieweg")
    await tap(karin, preview, "📤")
    await cast.ahmed.expect("Kamperfoelieweg")
    alert = await wim_wa.wait_for(
        lambda m: "Kamperfoelieweg" in m.text and bool(m.buttons), timeout=WA_WAIT, after=before
    )
    await wim_wa.tap(alert, _ack(alert))
    after = wim_wa.inbox.index(alert) + 1
    await wim_wa.wait_for(lambda m: m.text.startswith("✅"), timeout=WA_WAIT, after=after)
