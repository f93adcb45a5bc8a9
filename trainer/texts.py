"""The page's own texts (the bot's come from the bot), through the project's gettext catalogs.

`page_texts` gives the script its words in the page's language; the server translates the rest
where it builds the state. Source texts are English; Dutch lives in bot/locale.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import translator
from bot.settings import SUPPORTED_LANGUAGES

Texts = Callable[..., str]


def texts_in(language: str) -> Texts:
    """A translator giving plain, unescaped `str`: the page escapes where it inserts (the
    bot's translator escapes for Telegram's HTML, which the page would show as `&amp;`)."""
    _ = translator(language if language in SUPPORTED_LANGUAGES else "nl")

    def translate(msgid: str, /, **values: object) -> str:
        template = str(_(msgid))
        return template.format(**values) if values else template

    return translate


def roles(_: Texts) -> dict[str, str]:
    return {
        "police_chief": _("police chief"),
        "municipality": _("municipality"),
        "key_figure": _("key figure"),
        "coordinator": _("coordinator"),
    }


def page_texts(_: Texts) -> dict[str, str]:
    """The words the page's script shows."""
    return {
        "title": _("Bondgenoten training ground"),
        "intro": _(
            "The real bot against a built-in Telegram, on this computer only: nothing leaves it. "
            "Type, press buttons and share in each phone, or play a scenario."
        ),
        "clock": _("Bot's clock"),
        "hour": _("+1 hour"),
        "day": _("+1 day"),
        "next": _("To the next planned step"),
        "nothing_planned": _("Nothing is planned yet."),
        "next_at": _("Next planned step: {moment}"),
        "scenarios": _("Scenarios"),
        "step": _("Next step"),
        "all": _("All at once"),
        "playing": _("Playing: {step}"),
        "reset": _("Reset"),
        "reset_confirm": _("Start again with a clean world? Everything in the phones goes."),
        "resetting": _("A clean world is being made…"),
        "log": _("What happened"),
        "message": _("Message"),
        "send": _("Send"),
        "as": _("As"),
        "group": _("The network's group"),
        "not_in_group": _("not in the group yet"),
        "menu": _("Commands"),
        "attach": _("Share"),
        "share_location": _("📍 Share a location"),
        "share_contact": _("📱 Share my phone number"),
        "location_prompt": _("Where? Latitude, longitude"),
        "open_as": _("Open this link on whose phone?"),
        "pick_people": _("Whom do you pick?"),
        "cancel": _("Cancel"),
        "pick": _("Pick"),
        "edited": _("edited"),
        "pinned": _("Pinned"),
        "votes": _("votes"),
        "closed": _("closed"),
        "busy": _("Wait a moment: something else is changing the world."),
        "offline": _("The training ground does not answer. Is `bondgenoten try` still running?"),
        "language": _("Language"),
        # What the bot heard of its WhatsApp message (WhatsApp's ticks)
        "wa_accepted": _("On its way to WhatsApp"),
        "wa_sent": _("Sent: on WhatsApp's server"),
        "wa_delivered": _("Delivered on the phone"),
        "wa_read": _("Read on the phone"),
        "wa_failed": _("Not delivered"),
    }
