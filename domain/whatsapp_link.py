"""Linking WhatsApp from Telegram: the code, the wa.me link, the choice per network, unlinking.

A member who wants the bot on WhatsApp gets a one-time code (`storage.wa_links`) and a wa.me
link that opens WhatsApp with "KOPPEL <code>" typed for them: they send it, so they write first
and opt in (`whatsapp.inbound` links them and records the consent). Then, per network, they
choose how the bot reaches them: Telegram or WhatsApp (`storage.whatsapp.set_channel`; no
choice: Telegram). The group chat stays on Telegram whatever they choose. Unlinking takes the
WhatsApp identity and the choices away, and what was queued there goes back to Telegram.

It is offered only when `[whatsapp]` is configured with the number people write to
(`display_phone`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from bot.fit import cut_label
from bot.i18n import Html, Translator
from bot.settings import Settings
from domain import audit
from domain.context import Context
from domain.labels import day_of, moment_text
from domain.ports import Button, Keyboard
from storage import memberships, networks, wa_links
from storage import whatsapp as store
from storage.networks import Network
from storage.wa_links import LinkCode
from storage.whatsapp import Contact

log = logging.getLogger(__name__)

NAME_IN_LIST, NAME_ON_BUTTON = 60, 24  # characters of a network's name on the screen
LINK_WORD = "KOPPEL"  # what the wa.me link types before the code (LINK works too)
TELEGRAM, WHATSAPP = store.TELEGRAM, store.WHATSAPP


def offered(settings: Settings) -> bool:
    """WhatsApp can be linked: the channel is configured, with the number to write to."""
    wa = settings.whatsapp
    return wa.enabled and bool(wa.display_phone)


def wa_me_link(settings: Settings, code: str) -> str:
    """https://wa.me/<number>?text=KOPPEL%20<code>: opens WhatsApp with the message typed."""
    phone = settings.whatsapp.display_phone or ""
    return f"https://wa.me/{phone}?text={quote(f'{LINK_WORD} {code}')}"


@dataclass(frozen=True)
class Standing:
    """Where a person stands with WhatsApp: linked (and how), their networks and choices."""

    contact: Contact | None
    networks: list[Network]  # where they are an approved member
    choices: dict[int, str]  # network id → channel (none: Telegram)

    def channel_in(self, network_id: int) -> str:
        return self.choices.get(network_id, TELEGRAM) if self.contact else TELEGRAM


async def standing(ctx: Context, user_id: int) -> Standing:
    db = ctx.database
    found = []
    for membership in await memberships.for_user(db, user_id):
        if membership.status != "approved":
            continue
        network = await networks.get(db, membership.network_id)
        if network is not None:
            found.append(network)
    found.sort(key=lambda n: n.name.casefold())
    return Standing(
        await store.get_contact(db, user_id), found, await store.channels_of(db, user_id)
    )


async def new_code(ctx: Context, user_id: int, network_id: int | None, source: str) -> LinkCode:
    """A fresh one-time code (their older unused one stops working)."""
    code = await wa_links.new_code(ctx.database, user_id, network_id, source, ctx.clock.now())
    log.info("user %s made a WhatsApp link code (%s)", user_id, source)
    return code


async def choose(ctx: Context, user_id: int, network_id: int, channel: str) -> bool:
    """How the bot reaches this member in this network; False if that cannot be chosen (not
    linked, not a member there, stopped and asking for WhatsApp)."""
    if channel not in (TELEGRAM, WHATSAPP):
        return False
    membership = await memberships.get(ctx.database, network_id, user_id)
    if membership is None or membership.status != "approved":
        return False
    contact = await store.get_contact(ctx.database, user_id)
    if contact is None and channel == WHATSAPP:
        return False
    await store.set_channel(ctx.database, network_id, user_id, channel, ctx.clock.now())
    log.info("user %s chose %s for network %s", user_id, channel, network_id)
    return True


async def unlink(ctx: Context, user_id: int) -> bool:
    """WhatsApp is taken away: the identity, the choices, the open code; queued messages go
    back to Telegram. False if it was not linked."""
    await wa_links.drop_codes(ctx.database, user_id)
    done = await store.unlink(ctx.database, user_id)
    if done:
        await audit.record(ctx, user_id, audit.Act.WA_UNLINKED, None)
        log.info("user %s unlinked WhatsApp", user_id)
        ctx.dispatcher.wake()  # what went back to Telegram goes now
    return done


# --- the /profile screen -------------------------------------------------------------------------

# The screen's button choices (after `prof:<network>:wa:`): a new code, unlink, and per
# network `t<id>` (Telegram) or `w<id>` (WhatsApp).
NEW_CODE, UNLINK = "new", "off"


def choice_of(choice: str) -> tuple[str, int] | None:
    """`w12` → ('whatsapp', 12); None if it is not a network choice."""
    channel = {"t": TELEGRAM, "w": WHATSAPP}.get(choice[:1])
    number = choice[1:]
    if channel is None or not number.isdigit() or len(number) > 18:
        return None
    return channel, int(number)


def screen(
    _: Translator,
    settings: Settings,
    found: Standing,
    code: LinkCode | None,
    data: str,
    note: str | None = None,
) -> tuple[Html, Keyboard]:
    """The WhatsApp screen of /profile. `data(choice)` makes a button's callback data."""
    tz = settings.bot.tz
    lines: list[str] = [note, ""] if note else []
    lines.append(_("📱 <b>WhatsApp</b>"))
    rows: list[list[Button]] = []
    contact = found.contact
    if contact is None:
        lines.append(
            _(
                "I can also reach you on WhatsApp: alerts, meeting invitations and questions "
                "with buttons to answer. The group chat stays here on Telegram."
            )
        )
        if code is not None:
            lines += [
                "",
                _(
                    "Tap the button below: WhatsApp opens with a message to our number "
                    "(+{phone}). Send it as it is. Or send this code there yourself: "
                    "<code>{code}</code> (valid until {until}, once).",
                    phone=settings.whatsapp.display_phone or "",
                    code=code.code,
                    until=moment_text(_, code.expires_at, tz),
                ),
                _(
                    "By sending it you agree that we message you on WhatsApp; STOP there ends "
                    "it at any time."
                ),
            ]
            rows.append([Button(_("📱 Open WhatsApp"), url=wa_me_link(settings, code.code))])
        rows.append([Button(_("🔄 New code"), f"{data}:{NEW_CODE}")])
    else:
        lines.append(
            _(
                "Linked{phone} since {since}.",
                phone=Html(" (+{phone})").format(phone=contact.phone) if contact.phone else "",
                since=day_of(_, contact.consent_at, tz),
            )
        )
        if contact.stopped_at is not None:
            lines.append(
                _("You wrote STOP on WhatsApp: nothing comes there until you write START.")
            )
        lines += ["", _("How shall I reach you in each network?")]
        for network in found.networks:
            on_wa = found.channel_in(network.id) == WHATSAPP
            lines.append(
                _(
                    "• {network}: {channel}",
                    network=cut_label(network.name, NAME_IN_LIST),
                    channel=_("WhatsApp") if on_wa else _("Telegram"),
                )
            )
            # The network's name on the first button: with several, each row says whose it is.
            telegram = ("✓ " if not on_wa else "") + _("Telegram")
            name = cut_label(network.name, NAME_ON_BUTTON)
            rows.append(
                [
                    Button(f"{name}: {telegram}", f"{data}:t{network.id}"),
                    Button(("✓ " if on_wa else "") + _("WhatsApp"), f"{data}:w{network.id}"),
                ]
            )
        lines.append(_("The group chats stay on Telegram."))
        rows.append([Button(_("🗑 Unlink WhatsApp"), f"{data}:{UNLINK}")])
    return Html("\n").join(lines), rows


def welcome_line(_: Translator) -> Html:
    """In the welcome of a new member, when WhatsApp is offered."""
    return _(
        "📱 Rather get the alerts and questions on WhatsApp? Tap the button below and send the "
        "message (valid for 24 hours). /profile lets you choose per network later."
    )


def privacy_text(_: Translator, settings: Settings) -> Html:
    """What /privacy says about WhatsApp, when it is offered."""
    kept = settings.retention

    def days(n: int) -> str:
        return _.ngettext("{n} day", "{n} days", n, n=n)

    return _(
        "<b>WhatsApp</b> (only if you link it): your WhatsApp id and the number WhatsApp shows "
        "us, when and how you agreed (by sending your code), how you want to be reached in "
        "each network, when you last wrote to us (WhatsApp lets us write freely only within "
        "24 hours of that) and whether you wrote STOP. Of each message we sent you there: "
        "whether it arrived and was read, for {messages}. What you write to the bot there is "
        "handled like your answers here. Meta (WhatsApp) carries these messages under its own "
        "terms. /profile unlinks WhatsApp; FORGET ME there or /forget here deletes it all.",
        messages=days(kept.wa_message_days),
    )
