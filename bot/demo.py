"""`bondgenoten demo`: the real bot against the built-in sandbox, scene by scene.

No token and no network: a sandbox Bot API server runs on loopback with simulated people, the
real application talks to it over HTTP, and each scene prints what happened in every chat, in
the order it happened. The people use their phones as people do: buttons, Telegram's pickers,
a shared location; they type only where they write prose. Each feature adds its scene here.
"""

from __future__ import annotations

import logging
import tempfile
import textwrap
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot import logs
from bot.app import build_application, running
from bot.demo_between import between_incidents
from bot.demo_cast import (
    Cast,
    code_in,
    later,
    picker_of,
    settle,
    show_menu,
    tap,
    tap_row,
)
from bot.demo_digest import the_monthly_digest
from bot.demo_health import network_health
from bot.demo_meetings import meal_meeting
from bot.demo_whatsapp import on_whatsapp_and_telegram, whatsapp_beside
from bot.settings import Settings, load_settings
from sandbox import Sandbox, SimMessage, SimUser
from sandbox.transcript import timeline

Scene = Callable[[Cast], Awaitable[None]]

BOT_RIGHTS = {"can_invite_users": True, "can_restrict_members": True, "can_pin_messages": True}


async def edited(cast: Cast, message: SimMessage, before: int) -> None:
    """Wait until the bot edited `message` past its `before` earlier versions."""
    await cast.sandbox.wait_for(lambda: len(message.edits) > before)


async def intake(
    cast: Cast, user: SimUser, code: str, organisation: str, reach: str, *, send: bool = True
) -> None:
    """Answer the intake questions the way a person on a phone would, and (`send`) send the
    application."""
    await user.send(f"/start {code}")
    await user.expect(None)  # the introduction
    await tap_row(user, await user.expect(None), 0)  # the name Telegram knows
    await user.expect(None)
    await user.send(organisation)
    await user.expect(None)
    await user.send(reach)
    await user.expect(None)  # the phone question, with the contact button
    await user.share_contact(f"+316{user.id % 100000000:08d}")
    await user.expect(None)
    await tap_row(user, await user.expect(None), 0)  # the police chief may call in an emergency
    await tap_row(user, await user.expect(None), 0)  # the other members may see the number
    await tap_row(user, await user.expect(None), 1)  # vegetarian
    await tap(user, await user.expect(None), "Nederlands")
    await tap_row(user, await user.expect(None), 0)  # consent
    await user.expect(None)  # the review, with a button to send it
    if send:
        await send_application(user)


async def send_application(user: SimUser) -> None:
    review = user.private_chat.bot_messages()[-1]
    await tap(user, review, "✅")
    await user.expect(None)  # awaiting approval


async def approve_and_join(cast: Cast, host: SimUser, user: SimUser) -> None:
    application = await host.expect(user.first_name)
    await tap(host, application, "✅")
    url = None
    while url is None:  # the good news, then the personal link to the group
        welcome = await user.expect(None)
        # the group's link (t.me), not the offer to move to WhatsApp (wa.me) beside it
        url = next((b.url for row in welcome.buttons for b in row if "t.me" in (b.url or "")), None)
    request = await user.join(url)
    assert request is not None
    await cast.sandbox.wait_for(lambda: request.approved)
    await settle(cast)


async def stranger_meets_the_bot(cast: Cast) -> None:
    """Ahmed, not in any network yet, opens the bot: what it is, that networks are
    invite-only, 112 first. His menu holds only what a stranger can do; /alert says who can."""
    ahmed = cast.ahmed
    await ahmed.send("/start")
    await ahmed.expect("Bondgenoten")
    await show_menu(cast, ahmed, "Ahmed, a stranger,", "start")
    await ahmed.send("/help")
    await ahmed.expect("/language")
    await ahmed.send("/alert")
    await ahmed.expect(None)  # only the hosts of a network can


async def choosing_a_language(cast: Cast) -> None:
    """Emma's app is in English; she switches to Dutch with a button, and back with
    /language en."""
    emma = cast.emma
    await emma.send("/start")
    await emma.expect(None)
    await emma.send("/language")
    question = await emma.expect(None)
    await tap(emma, question, "Nederlands")
    await edited(cast, question, 0)
    await emma.send("/help")
    await emma.expect("/language")
    await emma.send("/language en")
    await emma.expect(None)


async def coordinator_overview(cast: Cast) -> None:
    """Carla, a coordinator from the configuration file, gets an overview and her menu."""
    await cast.carla.send("/start")
    await cast.carla.expect(None)
    await show_menu(cast, cast.carla, "Carla, a coordinator,", "newnetwork")


async def privacy_and_forgetting(cast: Cast) -> None:
    """Emma reads the privacy notice, sees her data (a summary and the full record as a
    file), and deletes it."""
    emma = cast.emma
    await emma.send("/privacy")
    await emma.expect(None)
    await emma.send("/mydata")
    await emma.expect(None)  # the summary
    await emma.expect(None)  # the file
    await emma.send("/forget")
    question = await emma.expect(None)
    await tap_row(emma, question, 0)  # yes, delete
    await edited(cast, question, 0)
    await emma.send("/mydata")
    await emma.expect(None)


async def a_network_is_set_up(cast: Cast) -> None:
    """The coordinator creates the network Noord and invites its police chief with a button."""
    await cast.carla.send("/newnetwork Noord | Amsterdam-Noord")
    created = await cast.carla.expect("Noord")
    await tap_row(cast.carla, created, 0)  # invite a police chief
    cast.invites["chief"] = code_in(await cast.carla.expect("t.me"))


async def the_group_chat_is_linked(cast: Cast) -> None:
    """The coordinator adds the bot to the group as an admin and links it to the network."""
    await cast.group.add_bot(by=cast.carla, rights=BOT_RIGHTS)
    await cast.group.expect("/link")
    await cast.carla.send("/link Noord", chat=cast.group)
    await cast.group.expect("Noord")


async def the_police_chief_joins(cast: Cast) -> None:
    """Karin opens her invite, answers the intake, is approved and joins the group, where
    the bot tags her as the police. Her menu now holds what a police chief does."""
    await intake(cast, cast.karin, cast.invites["chief"], "Politie Amsterdam-Noord", "de hele wijk")
    await approve_and_join(cast, cast.carla, cast.karin)
    await show_menu(cast, cast.karin, "Karin, the police chief,", "alert")


async def invite_key_figure(cast: Cast) -> str:
    """Karin asks for an invite with /invite and a button; the code of the link."""
    await cast.karin.send("/invite")
    await tap(cast.karin, await cast.karin.expect(None), data=r":key_figure$")
    return code_in(await cast.karin.expect("t.me"))


async def a_key_figure_joins(cast: Cast) -> None:
    """The police chief invites Ahmed with a button; after his intake she approves him, and
    Carla's copy of his application shows who decided. His menu is a member's now."""
    code = await invite_key_figure(cast)
    since = cast.sandbox.mark()
    await intake(cast, cast.ahmed, code, "Moskee Al-Nour", "jongeren, ouders", send=False)
    cast.leave_out(since, "  ✂️ Ahmed opens the link and answers the same questions as Karin did")
    await send_application(cast.ahmed)
    await approve_and_join(cast, cast.karin, cast.ahmed)
    await show_menu(cast, cast.ahmed, "Ahmed, now a key figure,", "profile")


async def a_stranger_is_turned_away(cast: Cast) -> None:
    """A forwarded personal link is of no use to a stranger: declined, and the police chief
    and the coordinator hear it."""
    leaked = cast.ahmed.private_chat.bot_messages()[-1].buttons[0][0].url
    assert leaked is not None
    request = await cast.mallory.join(leaked)
    assert request is not None
    await cast.sandbox.wait_for(lambda: request.declined)
    await cast.karin.expect("Mallory")


async def a_profile_changes(cast: Cast) -> None:
    """Ahmed eats halal now, and would rather not have his number on the call list: he
    changes both on his /profile card with buttons. The other members may still see it, as
    he chose in his application: /contacts lists who chose so, Karin and himself."""
    ahmed = cast.ahmed
    await ahmed.send("/profile")
    card = await ahmed.expect("Noord")
    for data in (r":diet$", r":diet:halal$", r":share$", r":share:no$", r":done$"):
        before = len(card.edits)
        await tap(ahmed, card, data=data)
        await edited(cast, card, before)
    await ahmed.send("/contacts")
    await ahmed.expect("Karin")


async def commands_in_the_group(cast: Cast) -> None:
    """In the group the menu is short: /help, and /link for its administrators. Ahmed types
    /meetings there anyway: the bot answers with a pointer to the private chat, not silence."""
    sandbox = cast.sandbox
    members = sandbox.commands("all_group_chats", "nl") or sandbox.commands("all_group_chats")
    admins = sandbox.commands("all_chat_administrators", "nl") or sandbox.commands(
        "all_chat_administrators"
    )
    lines = ["  📱 In the group, the / button lists for members:"]
    lines += [f"  /{c['command']}  {c['description']}" for c in members]
    lines += ["and for the group's administrators:"]
    lines += [f"  /{c['command']}  {c['description']}" for c in admins]
    cast.say("\n".join(lines))
    await cast.ahmed.send("/meetings", chat=cast.group)
    await cast.group.expect("/meetings")


async def a_coordinator_is_appointed(cast: Cast) -> None:
    """Carla makes Emma, a colleague, a coordinator too: she picks her with Telegram's user
    picker and confirms, and Emma hears it. Emma starts next month after all, so Carla
    withdraws it again."""
    carla, emma = cast.carla, cast.emma
    await carla.send("/appoint")
    await carla.expect(None)  # with the 👤 button that opens Telegram's picker
    await carla.share_users(picker_of(carla), [emma])
    await carla.expect("Emma")
    card = await carla.expect("Emma")
    await tap(carla, card, data=r"^coord:yes:")
    await edited(cast, card, 0)
    await emma.expect("Carla")
    await tap(carla, card, data=r"^coord:wd:")
    question = await carla.expect("Emma")
    await tap(carla, question, data=r"^coord:wdok:")
    await edited(cast, question, 0)
    await emma.expect(None)


async def wim_joins(cast: Cast) -> None:
    """Wim, a key figure from the football club, joins the way Ahmed did (not shown)."""
    since = cast.sandbox.mark()
    code = await invite_key_figure(cast)
    await intake(cast, cast.wim, code, "Voetbalvereniging Noord", "jongeren, sportclub")
    await approve_and_join(cast, cast.karin, cast.wim)
    cast.leave_out(since, "  ✂️ Wim, a key figure from the football club, joined the same way")


def status_of(user: SimUser) -> SimMessage:
    """The sender's live status message of the newest alert (the one with 👀 under it)."""
    return next(
        m for m in reversed(user.private_chat.bot_messages()) if "👀" in "".join(m.button_texts())
    )


async def an_incident_at_night(cast: Cast) -> None:
    """The police chief alerts the network after a stabbing. Ahmed acknowledges and says the
    mood is tense; only the hosts hear it, and the chief answers him. Wim does not react: he
    is reminded, and then the chief gets the list of who to call. With the buttons under her
    status message she sees who has not seen it, sends a follow-up and closes with a word."""
    await wim_joins(cast)
    await the_alert_at_night(cast)


async def the_alert_at_night(cast: Cast) -> None:
    """The incident itself, once Wim is in the network, in four steps (the training ground
    plays them one by one: `trainer.scenarios`)."""
    for step in ALERT_STEPS:
        await step(cast)


def newest(user: SimUser, text: str) -> SimMessage:
    """The newest message of the bot to `user` that says `text`."""
    return next(m for m in reversed(user.private_chat.bot_messages()) if text in (m.text or ""))


async def the_alert_is_sent(cast: Cast) -> None:
    """The police chief writes the alert, marks it critical and sends it to the network."""
    karin = cast.karin
    await karin.send(
        "/alert Noord Vannacht is iemand neergestoken bij winkelcentrum Boven 't IJ. De politie "
        "is ter plaatse en zoekt getuigen. Blijf rustig en deel geen geruchten."
    )
    preview = await karin.expect(None)
    await tap(karin, preview, "🔴")
    await edited(cast, preview, 0)
    await tap(karin, preview, "📤")
    await cast.group.expect("neergestoken")
    await cast.ahmed.expect("neergestoken")
    await cast.wim.expect("neergestoken")


async def ahmed_answers_the_alert(cast: Cast) -> None:
    """Ahmed acknowledges and says the mood is tense; only the hosts hear it, and the chief
    answers him."""
    karin, ahmed = cast.karin, cast.ahmed
    alert = newest(ahmed, "neergestoken")
    await tap(ahmed, alert, "✅")
    await tap(ahmed, alert, "💬")
    moods = await ahmed.expect(None)
    await tap(ahmed, moods, "😠")
    await edited(cast, moods, 0)
    await ahmed.send("Jongeren verzamelen zich bij het plein; er gaan geruchten over wraak.")
    await ahmed.expect(None)
    heard = await karin.expect("Jongeren verzamelen")
    await tap(karin, heard)
    await karin.expect(None)
    await karin.send("Dank je, Ahmed. Er rijdt nu een extra surveillance langs het plein.")
    await ahmed.expect("surveillance")


async def wim_does_not_react(cast: Cast) -> None:
    """Wim does not react: he is reminded, and then the chief gets the list of who to call."""
    await later(cast, timedelta(minutes=15), "15 minutes later", "incident-")
    await cast.wim.expect("⏰")
    await later(cast, timedelta(minutes=15), "another 15 minutes later", "incident-")
    await cast.karin.expect("📞")
    await settle(cast)


async def the_alert_is_followed_up_and_closed(cast: Cast) -> None:
    """With the buttons under her status message the chief sees who has not seen it, sends a
    follow-up and closes with a word."""
    karin = cast.karin
    status = status_of(karin)
    await tap(karin, status, "👀")
    await karin.expect("👀")
    await tap(karin, status, "🔁")
    await karin.expect("🔁")
    await karin.send("De verdachte is aangehouden. Dank voor jullie hulp.")
    update = await karin.expect("aangehouden")
    await tap(karin, update, "📤")
    await cast.group.expect("aangehouden")
    await settle(cast)
    await tap(karin, status, "✅")
    await karin.expect(None)  # close it: with a closing word, or without
    await karin.send("Het is weer rustig in de wijk. Dank jullie wel.")
    closing = await karin.expect("weer rustig")
    await tap(karin, closing, "✅")
    await cast.group.expect("weer rustig")
    await cast.ahmed.expect("weer rustig")
    await cast.wim.expect("weer rustig")


ALERT_STEPS: list[Scene] = [
    the_alert_is_sent,
    ahmed_answers_the_alert,
    wim_does_not_react,
    the_alert_is_followed_up_and_closed,
]


async def telegram_goes_away(cast: Cast) -> None:
    """Telegram's servers fail for the members' chats just as the police chief sends an alert.
    Her status message says the bot is waiting for Telegram; ten minutes later Telegram is back
    and everything arrives, once, most urgent first."""
    karin, sandbox = cast.karin, cast.sandbox
    down = [cast.group.resolve().id, cast.ahmed.id, cast.wim.id]
    sandbox.faults.outage("5xx", methods=["sendMessage"], chat_ids=down)
    cast.say("  ⚡ Telegram answers 502 Bad Gateway for the members' and the group's chats")
    await karin.send(
        "/alert Noord Morgenmiddag is er een demonstratie op het plein. Houd afstand van de "
        "menigte en deel geen beelden van mensen."
    )
    preview = await karin.expect("demonstratie")
    await tap(karin, preview, "📤")
    status = await karin.expect("⏳")
    await sandbox.wait_for(lambda: len(status.edits) > 0, timeout=30)  # waiting for Telegram
    cast.clock.advance(timedelta(minutes=10))
    sandbox.faults.recover()
    cast.say("  ⏩ 10 minutes later: Telegram answers again")
    await cast.group.expect("demonstratie", timeout=30)
    await cast.ahmed.expect("demonstratie", timeout=30)
    await cast.wim.expect("demonstratie", timeout=30)
    await sandbox.wait_for(lambda: (status.text or "").startswith("✅"), timeout=30)


async def the_audit(cast: Cast) -> None:
    """Carla, the coordinator, reads the logboek of Noord: who approved whom, who sent and
    closed which alert, who set up the network and linked its group chat, and when. Only
    references are kept; names are looked up as it is shown."""
    carla = cast.carla
    await carla.send("/audit Noord")
    await carla.expect("Noord")


SCENES: list[tuple[str, Scene]] = [
    ("A stranger meets the bot", stranger_meets_the_bot),
    ("Choosing a language", choosing_a_language),
    ("The coordinator", coordinator_overview),
    ("A coordinator appointed, and withdrawn", a_coordinator_is_appointed),
    ("Privacy: see your data, delete it", privacy_and_forgetting),
    ("A network is set up", a_network_is_set_up),
    ("The group chat is linked", the_group_chat_is_linked),
    ("The police chief's intake and approval", the_police_chief_joins),
    ("A key figure joins", a_key_figure_joins),
    ("A stranger is turned away", a_stranger_is_turned_away),
    ("A member changes his details", a_profile_changes),
    ("Commands typed in the group", commands_in_the_group),
    ("An incident at night", an_incident_at_night),
    ("Telegram goes away for a while", telegram_goes_away),
    ("A meal meeting", meal_meeting),
    ("Between incidents", between_incidents),
    ("Network health in numbers and pictures", network_health),
    ("On WhatsApp and Telegram", on_whatsapp_and_telegram),
    ("The logboek: who did what", the_audit),
    ("The coordinator's monthly digest", the_monthly_digest),
]


async def main(*, verbose: bool = False, scenes: int | None = None) -> int:
    logs.setup(logging.INFO if verbose else logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bondgenoten-demo-") as folder:
        async with Sandbox(flood_limits=True) as sandbox:
            cast = Cast(sandbox)
            async with whatsapp_beside(cast) as whatsapp:
                settings = load_settings(
                    None,
                    telegram={
                        "token": sandbox.token,
                        "base_url": sandbox.base_url,
                        "poll_timeout": 10,
                    },
                    database={"path": Path(folder) / "demo.sqlite3"},
                    access={"coordinators": [cast.carla.id]},
                    whatsapp=whatsapp,
                )
                if await play(cast, settings, scenes) != 0:
                    return 1
    print("\nThe demo ran the real bot against the sandbox: no token, no network.")
    return 0


async def play(cast: Cast, settings: Settings, scenes: int | None) -> int:
    """Run the scenes against the real application, printing each one's timeline; 1 when one
    went wrong."""
    sandbox = cast.sandbox
    cast.application = build_application(settings, clock=cast.clock)
    async with running(cast.application):
        for number, (title, scene) in enumerate(SCENES[:scenes], start=1):
            cast.mark = sandbox.mark()
            cast.notes, cast.left_out = [], []
            print(f"\n═══ Scene {number}: {title} ═══")
            print(textwrap.fill(" ".join((scene.__doc__ or "").split()), width=96))
            try:
                await scene(cast)
                await settle(cast)
            except Exception as exc:  # the bot did not do what the scene expects
                print(timeline(sandbox, cast.mark, cast.notes, cast.left_out))
                print(f"\nThe demo stopped: scene {number} went wrong.\n{exc!r}")
                return 1
            print(timeline(sandbox, cast.mark, cast.notes, cast.left_out), flush=True)
            cast.seen_all()
    return 0
