"""`bondgenoten demo`: the real bot against the built-in sandbox, scene by scene.

No token and no network: a sandbox Bot API server runs on loopback with simulated people, the
real application talks to it over HTTP, and every chat's transcript is printed. Each feature adds
its scene here.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot import logs
from bot.app import BotApplication, build_application, running
from bot.clock import SkippingClock
from bot.demo_meetings import meal_meeting
from bot.settings import load_settings
from sandbox import Sandbox, SimMessage, SimUser
from sandbox.transcript import timeline

Scene = Callable[["Cast"], Awaitable[None]]


INVITE_CODE = re.compile(r"start=([A-Za-z0-9_-]+)")
BOT_RIGHTS = {"can_invite_users": True, "can_restrict_members": True, "can_pin_messages": True}


class Cast:
    """The simulated people of the demo, and the network's group chat."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.carla = sandbox.add_user("Carla", last_name="de Vries", username="carla_coord")
        self.ahmed = sandbox.add_user("Ahmed", last_name="Benali", language_code="nl")
        self.emma = sandbox.add_user("Emma", last_name="Jansen", language_code="en")
        self.karin = sandbox.add_user("Karin", last_name="Smit", language_code="nl")
        self.mallory = sandbox.add_user("Mallory", username="mallory", language_code="nl")
        self.wim = sandbox.add_user("Wim", last_name="de Boer", language_code="nl")
        self.group = sandbox.add_group("Wijk Noord", members=[self.carla], admins=[self.carla])
        self.invites: dict[str, str] = {}
        self.clock = SkippingClock()
        self.application: BotApplication | None = None
        self.mark = 0  # where the current scene's transcript starts
        self.notes: list[tuple[int, str]] = []  # narration, at its place in the timeline

    def say(self, text: str) -> None:
        """A line of narration between the chats' events, shown where it happened."""
        self.notes.append((self.sandbox.mark(), text))


async def tap(user: SimUser, message: SimMessage, label: str | None = None, row: int = 0) -> None:
    """Press the button called `label`, or else the first button of row `row`; wait for it."""
    text = label if label is not None else message.buttons[row][0].text
    await (await user.press(message, text)).answered()


def code_in(message: SimMessage) -> str:
    found = INVITE_CODE.search(message.text or "")
    if found is None:
        raise AssertionError(f"no invite link in {message.text!r}")
    return found.group(1)


async def intake(cast: Cast, user: SimUser, code: str, organisation: str, reach: str) -> None:
    """Answer the intake questions the way a person on a phone would."""
    await user.send(f"/start {code}")
    await user.expect(None)  # the introduction
    await tap(user, await user.expect(None))  # the name Telegram knows
    await user.expect(None)
    await user.send(organisation)
    await user.expect(None)
    await user.send(reach)
    await user.expect(None)  # the phone question, with the contact button
    await user.share_contact(f"+316{user.id % 100000000:08d}")
    await user.expect(None)
    await tap(user, await user.expect(None))  # show it in the members' directory
    await tap(user, await user.expect(None), row=1)  # vegetarian
    await tap(user, await user.expect(None), "Nederlands")
    await tap(user, await user.expect(None))  # consent
    review = await user.expect(None)
    submit = next(b.text for row in review.buttons for b in row if b.text.startswith("✅"))
    await tap(user, review, submit)
    await user.expect(None)  # awaiting approval


async def approve_and_join(cast: Cast, host: SimUser, user: SimUser) -> None:
    application = await host.expect(user.first_name)
    await tap(host, application)  # ✅ approve
    url = None
    while url is None:  # the good news, then the personal link to the group
        welcome = await user.expect(None)
        url = next((b.url for row in welcome.buttons for b in row if b.url), None)
    request = await user.join(url)
    assert request is not None
    await cast.sandbox.wait_for(lambda: request.approved)


async def stranger_meets_the_bot(cast: Cast) -> None:
    """A stranger opens the bot: what it is, that networks are invite-only, 112 first."""
    await cast.ahmed.send("/start")
    await cast.ahmed.expect("Bondgenoten")
    await cast.ahmed.send("/help")
    await cast.ahmed.expect("/language")
    await cast.ahmed.send("/alert")
    await cast.ahmed.expect("/help")


async def choosing_a_language(cast: Cast) -> None:
    """Eve's app is in English; she switches to Dutch and back with buttons."""
    await cast.emma.send("/start")
    await cast.emma.expect("Welcome")
    await cast.emma.send("/language")
    question = await cast.emma.expect("language")
    await (await cast.emma.press(question, "Nederlands")).answered()
    await cast.sandbox.wait_for(lambda: "Nederlands" in (question.text or ""))
    await cast.emma.send("/help")
    await cast.emma.expect("Wat je hier kunt doen")
    await cast.emma.send("/language en")
    await cast.emma.expect("English")


async def coordinator_overview(cast: Cast) -> None:
    """The coordinator from the configuration gets an overview."""
    await cast.carla.send("/start")
    await cast.carla.expect("coördinator")


async def privacy_and_forgetting(cast: Cast) -> None:
    """Eve reads the privacy notice, sees her data, and deletes it."""
    await cast.emma.send("/privacy")
    await cast.emma.expect("Privacy")
    await cast.emma.send("/mydata")
    await cast.emma.expect("What we keep about you")
    await cast.emma.expect("as a file (JSON)")
    await cast.emma.send("/forget")
    question = await cast.emma.expect("cannot be undone")
    await (await cast.emma.press(question, "Yes, delete my data")).answered()
    await cast.sandbox.wait_for(lambda: "deleted" in (question.text or ""))
    await cast.emma.send("/mydata")
    await cast.emma.expect("We store nothing about you")


async def a_network_is_set_up(cast: Cast) -> None:
    """The coordinator creates the network Noord and invites its police chief with a button."""
    await cast.carla.send("/newnetwork Noord | Amsterdam-Noord")
    created = await cast.carla.expect("Noord")
    await tap(cast.carla, created)  # invite a police chief
    cast.invites["chief"] = code_in(await cast.carla.expect("t.me"))


async def the_group_chat_is_linked(cast: Cast) -> None:
    """The coordinator adds the bot to the group as an admin and links it to the network."""
    await cast.group.add_bot(by=cast.carla, rights=BOT_RIGHTS)
    await cast.group.expect("/link")
    await cast.carla.send("/link Noord", chat=cast.group)
    await cast.group.expect("Noord")


async def the_police_chief_joins(cast: Cast) -> None:
    """Karin opens her invite, answers the intake, is approved and joins the group."""
    await intake(cast, cast.karin, cast.invites["chief"], "Politie Amsterdam-Noord", "de hele wijk")
    await approve_and_join(cast, cast.carla, cast.karin)


async def a_key_figure_joins(cast: Cast) -> None:
    """The police chief invites a key figure; after his intake she approves him."""
    await cast.karin.send("/invite Noord sleutelfiguur")
    cast.invites["ahmed"] = code_in(await cast.karin.expect("t.me"))
    await intake(cast, cast.ahmed, cast.invites["ahmed"], "Moskee Al-Nour", "jongeren, ouders")
    await approve_and_join(cast, cast.karin, cast.ahmed)


def button(message: SimMessage, starts: str) -> str:
    """The label of the button that starts with `starts` (labels are translated; emoji not)."""
    return next(b.text for row in message.buttons for b in row if b.text.startswith(starts))


async def time_passes(cast: Cast, minutes: int) -> None:
    """Jump the bot's clock ahead and let the scheduler run what fell due."""
    assert cast.application is not None and cast.application.job_queue is not None
    cast.clock.advance(timedelta(minutes=minutes))
    cast.say(f"  ⏩ {minutes} minutes later")
    for job in cast.application.job_queue.jobs():
        if job.name and job.name.startswith("incident-"):
            await job.run(cast.application)


async def an_incident_at_night(cast: Cast) -> None:
    """The police chief alerts the network after a stabbing. Ahmed acknowledges and says the
    mood is tense; only the hosts hear it, and the chief answers him. Wim does not react: he
    is reminded, and then the chief gets the list of who to call. With the buttons under her
    status message she sees who has not seen it, sends a follow-up and closes with a word."""
    # Wim joined the network the same way as Ahmed (not shown).
    await cast.karin.send("/invite Noord sleutelfiguur")
    wim_code = code_in(await cast.karin.expect("t.me"))
    await intake(cast, cast.wim, wim_code, "Voetbalvereniging Noord", "jongeren, sportclub")
    await approve_and_join(cast, cast.karin, cast.wim)
    cast.mark = cast.sandbox.mark()

    karin, ahmed = cast.karin, cast.ahmed
    await karin.send(
        "/alert Noord Vannacht is iemand neergestoken bij winkelcentrum Boven 't IJ. De politie "
        "is ter plaatse en zoekt getuigen. Blijf rustig en deel geen geruchten."
    )
    preview = await karin.expect(None)
    await tap(karin, preview, button(preview, "🔴"))
    await cast.sandbox.wait_for(lambda: "🔴" in (preview.text or ""))
    await tap(karin, preview, button(preview, "📤"))
    await cast.group.expect("neergestoken")
    alert = await ahmed.expect("neergestoken")
    await cast.wim.expect("neergestoken")
    await tap(ahmed, alert, button(alert, "✅"))
    await tap(ahmed, alert, button(alert, "💬"))
    moods = await ahmed.expect(None)
    await tap(ahmed, moods, button(moods, "😠"))
    await cast.sandbox.wait_for(lambda: not moods.buttons or "😠" in (moods.text or ""))
    await ahmed.send("Jongeren verzamelen zich bij het plein; er gaan geruchten over wraak.")
    await ahmed.expect(None)
    heard = await karin.expect("Jongeren verzamelen")
    await tap(karin, heard)
    await karin.expect(None)
    await karin.send("Dank je, Ahmed. Er rijdt nu een extra surveillance langs het plein.")
    await ahmed.expect("surveillance")
    await time_passes(cast, 15)
    await cast.wim.expect("⏰")
    await time_passes(cast, 15)
    await karin.expect("📞")
    status = next(m for m in karin.private_chat.bot_messages() if "👀" in "".join(m.button_texts()))
    await tap(karin, status, button(status, "👀"))
    await karin.expect("👀")
    await tap(karin, status, button(status, "🔁"))
    await karin.expect("🔁")
    await karin.send("De verdachte is aangehouden. Dank voor jullie hulp.")
    update = await karin.expect("aangehouden")
    await tap(karin, update, button(update, "📤"))
    await cast.group.expect("aangehouden")
    await tap(karin, status, button(status, "✅"))
    await karin.expect("#1")
    await karin.send("Het is weer rustig in de wijk. Dank jullie wel.")
    closing = await karin.expect("weer rustig")
    await tap(karin, closing, button(closing, "✅"))
    await cast.group.expect("weer rustig")
    await ahmed.expect("weer rustig")


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
    await tap(karin, preview, button(preview, "📤"))
    status = await karin.expect("⏳")
    await sandbox.wait_for(lambda: "Telegram reageert" in (status.text or ""), timeout=30)
    cast.say(f"  📱 Karin sees: {status.text}")
    cast.clock.advance(timedelta(minutes=10))
    sandbox.faults.recover()
    cast.say("  ⏩ 10 minutes later: Telegram answers again")
    await cast.group.expect("demonstratie", timeout=30)
    await cast.ahmed.expect("demonstratie", timeout=30)
    await cast.wim.expect("demonstratie", timeout=30)
    await sandbox.wait_for(lambda: (status.text or "").startswith("✅"), timeout=30)


async def a_stranger_is_turned_away(cast: Cast) -> None:
    """A forwarded personal link is of no use to a stranger: declined, and the hosts hear it."""
    leaked = cast.ahmed.private_chat.bot_messages()[-1].buttons[0][0].url
    assert leaked is not None
    request = await cast.mallory.join(leaked)
    assert request is not None
    await cast.sandbox.wait_for(lambda: request.declined)
    await cast.karin.expect("Mallory")


SCENES: list[tuple[str, Scene]] = [
    ("A stranger meets the bot", stranger_meets_the_bot),
    ("Choosing a language", choosing_a_language),
    ("The coordinator", coordinator_overview),
    ("Privacy: see your data, delete it", privacy_and_forgetting),
    ("A network is set up", a_network_is_set_up),
    ("The group chat is linked", the_group_chat_is_linked),
    ("The police chief's intake and approval", the_police_chief_joins),
    ("A key figure joins", a_key_figure_joins),
    ("A stranger is turned away", a_stranger_is_turned_away),
    ("An incident at night", an_incident_at_night),
    ("Telegram goes away for a while", telegram_goes_away),
    ("A meal meeting", meal_meeting),
]


async def main(*, verbose: bool = False, scenes: int | None = None) -> int:
    logs.setup(logging.INFO if verbose else logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bondgenoten-demo-") as folder:
        async with Sandbox(flood_limits=True) as sandbox:
            cast = Cast(sandbox)
            settings = load_settings(
                None,
                telegram={"token": sandbox.token, "base_url": sandbox.base_url, "poll_timeout": 10},
                database={"path": Path(folder) / "demo.sqlite3"},
                access={"coordinators": [cast.carla.id]},
            )
            cast.application = build_application(settings, clock=cast.clock)
            async with running(cast.application):
                for number, (title, scene) in enumerate(SCENES[:scenes], start=1):
                    cast.mark = sandbox.mark()
                    cast.notes = []
                    print(f"\n═══ Scene {number}: {title} ═══")
                    print((scene.__doc__ or "").strip())
                    try:
                        await scene(cast)
                    except Exception as exc:  # the bot did not do what the scene expects
                        print(timeline(sandbox, since=cast.mark, notes=cast.notes))
                        print(f"\nThe demo stopped: scene {number} went wrong.\n{exc}")
                        return 1
                    print(timeline(sandbox, since=cast.mark, notes=cast.notes))
    print("\nThe demo ran the real bot against the sandbox: no token, no network.")
    return 0
