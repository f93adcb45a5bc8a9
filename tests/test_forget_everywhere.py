"""Forget means forget: after /forget nothing of the person is left anywhere in the database.

Ahmed Zwartkop went through everything a member can: the intake with his name, organisation and
phone number, an application card on every approver's phone, approval, the group chat, an alert
he did not see in time (a reminder, then the hosts' call list with his number), acknowledging it,
a mood, a few words and "call me", a host's answer, a meal meeting (invitation, reminder,
headcount, who came), a topic with his name, an agreed action, and an appointment as coordinator,
after which he decided on someone else's application himself. Then he uses /forget.

Afterwards every column of every table, and the raw bytes of the database file and its -wal, are
searched for his name, his organisation, his phone number and his Telegram id.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain import meeting_plans
from domain import meetings as rules
from domain.alerts import send_alert
from domain.intake_steps import name_offer
from sandbox import Sandbox, SimMessage, SimUser
from storage import group_chats, invites, networks, privacy, wa_links, whatsapp
from storage import meetings as meeting_store
from storage.database import Database
from tests import given
from tests.conftest import eventually
from tests.test_incident_escalation import run_jobs as run_incident_jobs
from tests.test_incidents import GROUP_RIGHTS
from tests.test_meetings import bot, run_jobs, tap

START = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
NAME = "Ahmed Zwartkop"
ORGANISATION = "Buurthuis De Eikenboom"
PHONE_SHARED = "31699991234"  # as Telegram's contact card gives it
PICKER = 1  # the request_id of /appoint's user picker


def traces(user: SimUser, phone: str) -> list[str]:
    """Every form in which the person could still be found in a text."""
    digits = re.sub(r"\D", "", phone)
    uid = str(user.id)
    return [
        "Zwartkop",
        "Eikenboom",
        phone,
        digits,
        digits[2:],  # without the country code
        "9999 1234",
        uid,
        json.dumps(uid),  # as a JSON string
    ]


def raw_traces(user: SimUser, phone: str) -> list[bytes]:
    """The same in the file's bytes, and the id as SQLite stores an integer (48-bit big-endian)."""
    found = [t.encode() for t in traces(user, phone)]
    found.append(struct.pack(">q", user.id)[2:])
    return found


async def scan_tables(db: Database, user: SimUser, phone: str) -> list[str]:
    """Every column of every row that holds a trace of the person."""
    hits = []
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    looked_for = traces(user, phone)
    for (table,) in tables:
        for row in await db.fetch_all(f"SELECT * FROM {table}"):
            for column in row.keys():
                value = row[column]
                if value == user.id or (
                    isinstance(value, str) and any(t in value for t in looked_for)
                ):
                    hits.append(f"{table}.{column} = {value!r}")
    return hits


def scan_files(path: Path, user: SimUser, phone: str) -> list[str]:
    hits = []
    for file in (path, path.with_name(path.name + "-wal")):
        if not file.exists():
            continue
        content = file.read_bytes()
        hits += [f"{file.name}: {t!r}" for t in raw_traces(user, phone) if t in content]
    return hits


class World:
    def __init__(self, sandbox: Sandbox, coordinator: SimUser) -> None:
        self.sandbox = sandbox
        self.carla = coordinator
        self.karin = sandbox.add_user("Karin", language_code="en")  # police chief
        self.wim = sandbox.add_user("Wim", language_code="en")  # municipality
        self.fatima = sandbox.add_user("Fatima", language_code="en")  # key figure
        self.ahmed = sandbox.add_user("Ahmed", last_name="Zwartkop", language_code="en")
        self.bea = sandbox.add_user("Bea", language_code="en")  # applies later

    async def arrange(self, app: BotApplication) -> None:
        db = services.of(app).database
        now = datetime.now(UTC)
        network = await networks.create(db, "Noord", None, self.carla.id, now)
        self.network_id = network.id
        for user, role in ((self.karin, "police_chief"), (self.wim, "municipality")):
            user.started = True
            await given.approved(db, network.id, user, role, self.carla.id, language="en")
        self.fatima.started = True
        await given.approved(
            db, network.id, self.fatima, "key_figure", self.carla.id, phone="+31 6 1111 2222"
        )
        self.carla.started = True
        await self.carla.send("/language en")
        await self.carla.expect("in English")
        self.group = self.sandbox.add_group(
            "Wijk Noord", members=[self.carla, self.karin, self.fatima], admins=[self.carla]
        )
        await self.group.add_bot(by=self.carla, rights=GROUP_RIGHTS)
        await self.group.expect("/link")
        await group_chats.link(db, self.group.id, network.id, self.carla.id, now)

    async def code(self, app: BotApplication, by: SimUser) -> str:
        db = services.of(app).database
        invite = await invites.create(db, self.network_id, "key_figure", by.id, datetime.now(UTC))
        return invite.code


async def intake(ahmed: SimUser, code: str) -> None:
    """The whole intake: his name, organisation, reach, phone number shown to the hosts, halal."""
    await ahmed.send(f"/start {code}")
    await ahmed.expect("You are invited")
    offer = name_offer(ahmed.first_name, ahmed.last_name)
    await ahmed.press(await ahmed.expect("What name"), offer)
    await ahmed.expect("organisation")
    await ahmed.send(ORGANISATION)
    await ahmed.expect("communities do you reach")
    await ahmed.send("young people around the Eikenboom square")
    await ahmed.expect("phone number")
    await ahmed.share_contact(PHONE_SHARED)
    await ahmed.press(await ahmed.expect("call you in an emergency"), "Yes, they may call me")
    await ahmed.press(await ahmed.expect("see your number"), "Yes, show it to members")
    await ahmed.press(await ahmed.expect("dietary needs"), "halal")
    await ahmed.press(await ahmed.expect("Which language"), "English")
    await ahmed.press(await ahmed.expect("Do you agree?"), "I agree")
    await ahmed.press(await ahmed.expect("Your application for"), "✅ Submit")
    await ahmed.expect("awaiting approval")


async def idle(app: BotApplication) -> None:
    await services.of(app).dispatcher.idle()


async def test_after_forget_nothing_of_the_person_is_left_in_any_table_or_in_the_file(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    world = World(sandbox, coordinator)
    ahmed, karin, carla = world.ahmed, world.karin, world.carla
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        svc = services.of(app)
        db = svc.database
        await world.arrange(app)

        # The intake, and the application on every approver's phone.
        await intake(ahmed, await world.code(app, karin))
        application = await karin.expect("New application for Noord")
        assert NAME in (application.text or "") and "+31699991234" in (application.text or "")
        await world.wim.expect("New application for Noord")
        await carla.expect("New application for Noord")
        await (await karin.press(application, "✅ Approve")).answered()
        await world.wim.expect(f"Karin approved {NAME}")
        welcome = await ahmed.expect("Join its group chat")
        [[join]] = welcome.buttons
        assert join.url
        await ahmed.join(join.url)
        await sandbox.wait_for(lambda: ahmed.id in world.group.resolve().members)
        await idle(app)

        # An alert he does not see in time: a reminder, then the hosts' call list.
        incident_id = await send_alert(
            svc, karin.id, [world.network_id], "critical", "network_only", "Unrest at the square"
        )
        await idle(app)
        alert = await ahmed.expect("Unrest at the square")
        clock.advance(timedelta(minutes=16))
        await run_incident_jobs(app)
        await ahmed.expect("Have you seen this alert?")
        clock.advance(timedelta(minutes=15))
        await run_incident_jobs(app)
        call_list = await karin.expect("have not acknowledged it yet")
        assert f"{NAME} – +31699991234" in (call_list.text or "")

        # Then he acknowledges, gives the mood, a few words, and asks to be called.
        await (await ahmed.press(alert, "✅ Seen")).answered()
        await (await ahmed.press(alert, "💬 Reply")).answered()
        moods = await ahmed.expect("How is the mood around you?")
        await (await ahmed.press(moods, "😠 tense")).answered()
        heard = await karin.expect("the mood is 😠 tense")
        await sandbox.wait_for(lambda: "Anything to add?" in (moods.text or ""))
        await ahmed.send("Zwartkop here: the youths at the Eikenboom square are angry.")
        await karin.expect("youths at the Eikenboom square")
        await (await ahmed.press(alert, "📞 Call me")).answered()
        await karin.expect("asks to be called")
        # Karin answers him privately.
        await (await karin.press(heard, f"Answer {NAME}")).answered()
        await karin.expect(f"Type your answer to {NAME}")
        await karin.send("Thank you Ahmed Zwartkop, I will call you at 0699991234.")
        await ahmed.expect("Answer from Karin")
        # Karin's update names him, with his number, to everyone who got the alert.
        await karin.send(f"/update {incident_id} Ahmed Zwartkop (06 9999 1234) talks to them now.")
        await world.fatima.expect("talks to them now")
        await idle(app)

        # A meal meeting: invitation, reminder, headcount, a topic with his name, who came.
        day = (START + timedelta(days=30)).date()
        starts_at = rules.local(day, time(19, 0), svc.settings.bot.tz)
        details = {"venue_kind": "town_hall", "address": "Stadhuisplein 1"}
        await meeting_plans.plan(svc, world.network_id, details, [starts_at.isoformat()], karin.id)
        await run_jobs(app)
        clock.advance(timedelta(days=10))  # past the poll (21 days before)
        await run_jobs(app)
        clock.advance(timedelta(days=14))  # past the reminder (7 days before)
        await run_jobs(app)
        reminder = await ahmed.expect("We have not heard from you yet")
        await tap(ahmed, reminder, "✅ Yes")
        await ahmed.send("/topic Zwartkop asks: a football evening for the youths")
        asked = await ahmed.expect("with your name, or without?")
        await tap(ahmed, asked, "👤 With my name")
        await ahmed.expect("It is on the agenda")
        await run_jobs(app)
        clock.advance(timedelta(days=4))  # past the deadline: the headcount
        await run_jobs(app)
        headcount = await karin.expect("Headcount")
        assert NAME in (headcount.text or "")
        clock.advance(timedelta(days=3))  # the day after the meeting: who came
        await run_jobs(app)
        who = await karin.expect("Please confirm who came")
        assert f"✅ {NAME}" in who.button_texts()
        await tap(karin, who, "💾 Confirm")
        await sandbox.wait_for(lambda: "1 came" in (who.text or ""))

        # An agreed action for him, done.
        await karin.send("/action Football evening with the youths of Ahmed Zwartkop")
        whom = await karin.expect("Who will do it?")
        await tap(karin, whom, NAME)
        await karin.expect("By when?")
        await karin.send("30 april")
        await karin.expect("Recorded")
        agreed = await ahmed.expect("you agreed to do this")
        await tap(ahmed, agreed, "✅ Done")
        await karin.expect("✅ Done")
        await idle(app)

        # Carla appoints him coordinator; he decides on Bea's application himself.
        await carla.send("/appoint")
        await carla.expect("Who should become a coordinator?")
        await carla.share_users(PICKER, [ahmed])
        card = await carla.expect(f"Make {NAME} a coordinator?")
        await (await carla.press(card, "✅ Yes, appoint")).answered()
        await ahmed.expect("made you a coordinator")
        await intake_short(world.bea, await world.code(app, karin))
        bea_card = await ahmed.expect("New application for Noord")
        await (await ahmed.press(bea_card, "✅ Approve")).answered()
        await karin.expect(f"{NAME} approved Bea")
        await idle(app)

        # He linked WhatsApp too (whatsapp.inbound: tests/test_wa_inbound.py), chose it for
        # Noord, has a fresh code and a reply half-typed there, and one message was sent to him.
        now = clock.now()
        await whatsapp.link(db, ahmed.id, "NL.1349120865530", PHONE_SHARED, "profile", now)
        await whatsapp.set_channel(db, world.network_id, ahmed.id, "whatsapp", now)
        await wa_links.new_code(db, ahmed.id, world.network_id, "profile", now)
        await wa_links.await_text(db, ahmed.id, "reply", incident_id, now)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO wa_messages (wamid, user_id, state, created_at, updated_at)"
                " VALUES ('wamid.ahmed', ?, 'read', ?, ?)",
                (ahmed.id, now.isoformat(), now.isoformat()),
            )

        assert await scan_tables(db, ahmed, PHONE_SHARED), "the story left no traces to find"

        # He uses /forget. Telegram is slow to confirm what goes to Karin, so the notice that he
        # left is still on its way when his data goes (it is sent as written, then cut).
        sandbox.faults.slow("sendMessage", 1.0, chat_id=karin.id, after=True)
        await ahmed.send("/forget")
        question = await ahmed.expect("Delete everything we store about you?")
        await (await ahmed.press(question, "Yes, delete my data")).answered()
        await sandbox.wait_for(lambda: "everything we stored about you is deleted" in question.text)
        await karin.expect("has left the network Noord")
        sandbox.faults.slow("sendMessage", 0, chat_id=karin.id)
        await idle(app)

        async def forgotten() -> bool:
            return not await scan_tables(db, ahmed, PHONE_SHARED)

        try:
            await eventually(forgotten, timeout=5)
        except AssertionError:
            found = "\n".join(await scan_tables(db, ahmed, PHONE_SHARED))
            raise AssertionError(f"left after /forget:\n{found}") from None
        assert scan_files(settings.database.path, ahmed, PHONE_SHARED) == []
        # Everyone else's history is still there.
        assert await meeting_store.planned(db) or True
        incident = await db.fetch_one("SELECT text FROM incidents WHERE id = ?", (incident_id,))
        assert incident is not None and incident["text"] == "Unrest at the square"

    # And once the bot has stopped, the file alone.
    assert scan_files(settings.database.path, ahmed, PHONE_SHARED) == []


async def intake_short(user: SimUser, code: str) -> SimMessage:
    user.started = True
    await user.send(f"/start {code}")
    await user.expect("You are invited")
    await user.press(await user.expect("What name"), name_offer(user.first_name, user.last_name))
    await user.press(await user.expect("organisation"), "Skip")
    await user.expect("communities do you reach")
    await user.send("neighbours")
    await user.expect("phone number")
    await user.send("No thanks")
    await user.expect("no phone number")
    await user.press(await user.expect("dietary needs"), "no special needs")
    await user.press(await user.expect("Which language"), "English")
    await user.press(await user.expect("Do you agree?"), "I agree")
    await user.press(await user.expect("Your application for"), "✅ Submit")
    return await user.expect("awaiting approval")


# --- how a person is found in a text ----------------------------------------------------------


def test_a_phone_number_is_found_in_any_spelling_and_nothing_else_is() -> None:
    traces = privacy.Traces(6100000005, ("Ahmed Zwartkop",), ("+31699991234",))
    for spelled in (
        "+31699991234",
        "+31 6 9999 1234",
        "0031-6-99991234",
        "06 99 99 12 34",
        "(06) 9999-1234",
        "0699991234",
        "bel 06-9999 1234!",
    ):
        assert traces.named_in(spelled), spelled
        assert "9999" not in traces.redact(spelled)
    for other in ("+31699991235", "1699991234", "06 9999 12345", "2026-02-10T09:00:00.999912"):
        assert not traces.named_in(other), other


def test_a_name_is_found_whole_escaped_and_cut_short_but_not_inside_other_words() -> None:
    traces = privacy.Traces(42, ("Jan", "Ayşe & Co O'Neill-van der Berg de Groot Jansen"), ())
    assert traces.redact("Jan comes, in Januari") == "… comes, in Januari"
    escaped = "Ayşe &amp; Co O&#39;Neill-van der Berg de Groot Jansen approved Bea"
    assert traces.redact(escaped) == "… approved Bea"
    assert traces.named_in("▫️ Ayşe & Co O'Neill-van der Berg de")  # a button cut at 30
    assert traces.named_in('{"action": "mtg:here:1:42"}') and not traces.named_in("mtg:here:1:420")


async def test_short_names_are_left_to_the_id_and_the_number(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        traces = await privacy.traces_of(db, 7, ["Al", "  Ahmed Zwartkop "])
        assert traces.names == ("Ahmed Zwartkop",)
    finally:
        await db.close()


def test_a_queued_message_goes_without_them_and_a_sent_one_keeps_only_its_message_id() -> None:
    traces = privacy.Traces(42, ("Ahmed Zwartkop",), ("+31699991234",))
    queued = {
        "text": "Please call:\n• Ahmed Zwartkop – +31699991234\n• Fatima – +31611112222",
        "buttons": [
            [{"label": "✅ Ahmed Zwartkop", "action": "mtg:here:1:42"}],
            [{"label": "▫️ Fatima", "action": "mtg:here:1:43"}],
        ],
    }
    assert privacy.redact_params(queued, traces) == {
        "text": "Please call:\n• … – …\n• Fatima – +31611112222",
        "buttons": [[{"label": "▫️ Fatima", "action": "mtg:here:1:43"}]],
    }
    assert privacy.cut(queued) == {}
    assert privacy.cut({"message_id": 5, "text": "x"}) == {"message_id": 5}
