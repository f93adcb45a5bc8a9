"""Need-to-know (issue 10): the group chat sees counts, never who did or did not answer; the
hosts get the names privately; members' replies, moods and the call list reach the network's
police chief and municipality and the alert's sender, the coordinators only where the network
asks for it (/replies, recorded in the audit).

Noord: Karin (police chief), Wim (municipality), Fatima Bakkal and Ahmed Zwartkop (key
figures, both with a number on the call list), Carla (coordinator, at none of its tables). The
group chat holds Carla, Karin, Fatima and Ahmed.

Decided: the group reads no member's name at all, not even the alert's sender's (an alert
speaks for the network: its header names the network, the hosts know who sent it).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain import meeting_plans
from domain import meetings as rules
from domain.alerts import close_incident, send_alert
from sandbox import Sandbox, SimChat, SimUser
from storage import audit, group_chats, networks
from tests import given
from tests.test_incident_escalation import run_jobs as run_incident_jobs
from tests.test_incidents import GROUP_RIGHTS
from tests.test_meetings import bot, run_jobs, tap

START = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
FATIMA, AHMED, WIM = "Fatima Bakkal", "Ahmed Zwartkop", "Wim Verhoeven"
PHONES = ("+31611112222", "+31633334444")
# Every way a member could be named in the group.
NOT_IN_THE_GROUP = (
    "Karin",
    FATIMA,
    "Bakkal",
    AHMED,
    "Zwartkop",
    WIM,
    "Verhoeven",
    *PHONES,
    "1111",
    "3333",
)


class World:
    def __init__(self, sandbox: Sandbox, coordinator: SimUser) -> None:
        self.sandbox = sandbox
        self.carla = coordinator
        self.karin = sandbox.add_user("Karin", language_code="en")
        self.wim = sandbox.add_user("Wim", language_code="en")
        self.fatima = sandbox.add_user("Fatima", language_code="en")
        self.ahmed = sandbox.add_user("Ahmed", language_code="en")

    async def arrange(self, app: BotApplication) -> None:
        db = services.of(app).database
        now = datetime.now(UTC)
        network = await networks.create(db, "Noord", None, self.carla.id, now)
        self.network_id = network.id
        for user, role, name, phone in (
            (self.karin, "police_chief", "Karin", None),
            (self.wim, "municipality", WIM, None),
            (self.fatima, "key_figure", FATIMA, PHONES[0]),
            (self.ahmed, "key_figure", AHMED, PHONES[1]),
        ):
            user.started = True
            await given.approved(
                db, network.id, user, role, self.carla.id, name=name, phone=phone, language="en"
            )
        self.carla.started = True
        await self.carla.send("/language en")
        await self.carla.expect("in English")
        self.group = self.sandbox.add_group(
            "Wijk Noord",
            members=[self.carla, self.karin, self.fatima, self.ahmed],
            admins=[self.carla],
        )
        await self.group.add_bot(by=self.carla, rights=GROUP_RIGHTS)
        await self.group.expect("/link")
        await group_chats.link(db, self.group.id, network.id, self.carla.id, now)


def group_texts(group: SimChat) -> list[str]:
    """Every text the bot showed in the group, each version of every edited message too."""
    found = []
    for message in group.bot_messages():
        found += [*message.edits, message.text or "", message.caption or ""]
        found += message.button_texts()
    return found


def names_in(texts: list[str]) -> list[str]:
    return [f"{word!r} in {text!r}" for text in texts for word in NOT_IN_THE_GROUP if word in text]


def texts_of(user: SimUser) -> str:
    return "\n".join(m.text or "" for m in user.private_chat.bot_messages())


async def test_the_group_sees_counts_and_the_hosts_see_names_through_a_meeting_and_an_alert(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    world = World(sandbox, coordinator)
    karin, fatima, ahmed = world.karin, world.fatima, world.ahmed
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        svc = services.of(app)
        await world.arrange(app)

        # A whole meeting: poll, Fatima says yes, Ahmed stays silent (the reminder), the
        # deadline (the hosts' headcount), the day before, the follow-up.
        day = (START + timedelta(days=30)).date()
        starts_at = rules.local(day, time(19, 0), svc.settings.bot.tz)
        details = {"venue_kind": "town_hall", "address": "Stadhuisplein 1"}
        await meeting_plans.plan(svc, world.network_id, details, [starts_at.isoformat()], karin.id)
        await run_jobs(app)
        clock.advance(timedelta(days=10))  # past the poll
        await run_jobs(app)
        invitation = await fatima.expect("Are you coming?")
        await tap(fatima, invitation, "✅ Yes")
        await run_jobs(app)
        clock.advance(timedelta(days=14))  # past the reminder
        await run_jobs(app)
        await ahmed.expect("We have not heard from you yet")
        clock.advance(timedelta(days=4))  # past the deadline
        await run_jobs(app)
        headcount = await karin.expect("Headcount")
        assert f"No answer: {AHMED}" in (headcount.text or "")  # the names: privately
        assert f"Coming: {FATIMA}" in (headcount.text or "")
        clock.advance(timedelta(days=2))  # the day before, and after
        await run_jobs(app)
        clock.advance(timedelta(days=2))
        await run_jobs(app)

        # A whole alert: Fatima sees it, Ahmed does not (a reminder, then the call list), an
        # update, the close.
        incident_id = await send_alert(
            svc, karin.id, [world.network_id], "critical", "network_only", "Unrest at the square"
        )
        await services.of(app).dispatcher.idle()
        alert = await fatima.expect("Unrest at the square")
        await (await fatima.press(alert, "✅ Seen")).answered()
        clock.advance(timedelta(minutes=16))
        await run_incident_jobs(app)
        clock.advance(timedelta(minutes=15))
        await run_incident_jobs(app)
        call_list = await karin.expect("have not acknowledged it yet")
        assert f"{AHMED} – {PHONES[1]}" in (call_list.text or "")
        await karin.send(f"/update {incident_id} The police are there now.")
        await fatima.expect("The police are there now")
        assert await close_incident(svc, incident_id, karin.id, "Calm again.")
        await services.of(app).dispatcher.idle()
        await fatima.expect("Calm again")

        shown = group_texts(world.group)
        assert any("Unrest at the square" in t for t in shown), "the alert reached the group"
        assert any("Stadhuisplein" in t or "Town hall" in t for t in shown), "and the meeting"
        assert names_in(shown) == []


async def test_replies_and_call_lists_reach_coordinators_only_where_the_network_asks(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    world = World(sandbox, coordinator)
    karin, carla, fatima = world.karin, world.carla, world.fatima
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        svc = services.of(app)
        await world.arrange(app)

        async def alert_cycle(text: str) -> int:
            incident_id = await send_alert(
                svc, karin.id, [world.network_id], "critical", "network_only", text
            )
            await svc.dispatcher.idle()
            alert = await fatima.expect(text)
            await (await fatima.press(alert, "💬 Reply")).answered()
            moods = await fatima.expect("How is the mood around you?")
            await (await fatima.press(moods, "😠 tense")).answered()
            await karin.expect("the mood is 😠 tense")
            await world.wim.expect("the mood is 😠 tense")
            clock.advance(timedelta(minutes=31))
            await run_incident_jobs(app)
            await run_incident_jobs(app)
            await karin.expect("have not acknowledged it yet")
            await svc.dispatcher.idle()
            return incident_id

        async def who_has_not_seen(user: SimUser, incident_id: int) -> str:
            await user.send(f"/incident {incident_id}")
            status = await user.expect(f"#{incident_id}")
            await (await user.press(status, "👀 Who has not seen it")).answered()
            return (await user.expect(f"Alert #{incident_id}")).text or ""

        first = await alert_cycle("First alert")
        carla_saw = texts_of(carla)
        assert "mood is" not in carla_saw and "not acknowledged" not in carla_saw
        assert AHMED not in carla_saw and PHONES[1] not in carla_saw
        # She may manage the alert, so she sees who has not seen it, but not their numbers.
        assert PHONES[1] in await who_has_not_seen(karin, first)
        seen_by_carla = await who_has_not_seen(carla, first)
        assert AHMED in seen_by_carla and PHONES[1] not in seen_by_carla

        # The network asks for it: Karin turns it on with /replies; the audit has it.
        await karin.send("/replies")
        choice = await karin.expect("Replies to alerts in Noord")
        assert "Now: only the police chief" in (choice.text or "")
        await (await karin.press(choice, "Coordinators read them too")).answered()
        await sandbox.wait_for(lambda: "the coordinators read them too" in (choice.text or ""))
        entries = await audit.page(svc.database, world.network_id, offset=0, limit=10)
        assert [e.action for e in entries][:1] == ["replies_shared"]
        await carla.send("/audit Noord")
        await carla.expect("Karin let the coordinators read the replies to alerts")

        second = await alert_cycle("Second alert")
        await carla.expect("the mood is 😠 tense")
        await carla.expect("have not acknowledged it yet")
        assert PHONES[1] in await who_has_not_seen(carla, second)

        # Fatima, a key figure, cannot change it.
        await fatima.send("/replies")
        refused = await fatima.expect(None)
        assert "Replies to alerts" not in (refused.text or "")
