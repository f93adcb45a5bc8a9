"""A year of history for Noord, filled in for the demo before it asks /stats (`bot.demo_health`).

The demo's scenes happen within a few weeks, so a network's year would show one meal meeting,
two alerts and one pulse: too thin to see what the charts are for. This fills in what a year of
a small network could look like — five meal meetings with who came ticked, a dozen alerts with
when each member saw them, four mood pulses, a dozen agreed actions (some done late, some still
open) — in the past of the demo's clock, through the storage functions the use cases write with
(no SQL here). Nothing of it is sent to anyone: it is what was sent and answered back then. The
demo says so, in its output, where it happens.

What the bot would do afterwards with such a past is taken care of as it would have been: each
alert is closed (half a day later), each pulse closed, the hosts' overdue notice of an action
past its date counts as given back then, and an action still open falls due after the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import services
from bot.demo_cast import Cast
from domain.meetings import ActionStep
from storage import actions, incidents, meetings, memberships, networks, pulse
from storage.database import Database

# Days before the demo's "now" (its clock at the health scene), local time in the evening.
MEETINGS = (330, 265, 200, 135, 70)
# The alerts: days ago, the local time, and a typical minutes-until-seen that shrinks over the
# year as the members get used to the bot. Two on one day (60 days ago): a tense evening.
ALERTS = (
    (340, time(22, 10), 140.0),
    (312, time(14, 5), 95.0),
    (281, time(21, 40), 70.0),
    (250, time(19, 15), 45.0),
    (214, time(23, 30), 50.0),
    (183, time(16, 20), 25.0),
    (151, time(21, 5), 18.0),
    (122, time(8, 45), 30.0),
    (93, time(20, 30), 9.0),
    (60, time(18, 40), 7.0),
    (60, time(21, 40), 4.0),
    (26, time(22, 15), 3.0),
)
ALERT_TEXTS = (
    "Inbraak in een schuur aan de Mosplein-kant; de politie is ter plaatse.",
    "Vuurwerk bij de bushalte Buikslotermeerplein, jongeren zijn aangesproken.",
    "Verdachte man bij de achterdeuren in de Waterlandpleinbuurt.",
    "Brand in een container aan de Purmerweg; de brandweer is er.",
    "Onrust na een vechtpartij bij het winkelcentrum.",
    "Een auto met inbrekersgereedschap aangehouden in de IJdoornlaan.",
)
PULSES = (320, 230, 140, 45)  # days ago; each open a week
# Moods given per pulse, member by member (None: did not answer): tense in spring, calmer later.
PULSE_MOODS = (
    ("worried", "tense", "worried", None),
    ("worried", "calm", None, "rumours"),
    ("calm", "worried", "calm", None),
    ("calm", "calm", "calm", "worried"),
)
# The actions agreed at each meeting: how each went. "on time" and "late" are done; "overdue"
# is open past its date; "open" is due after the demo.
ACTIONS = (
    ("on time", "late"),
    ("on time", "on time", "late"),
    ("on time", "overdue"),
    ("on time", "late", "on time"),
    ("open", "overdue"),
)
ACTION_TEXTS = (
    "Kapotte lantaarnpaal bij het Mosplein melden bij de gemeente",
    "Buurtapp-groep uitnodigen voor de volgende maaltijd",
    "Afspraak met de wijkagent over de hangplek bij de school",
    "Flyer over inbraakpreventie rondbrengen",
    "Contact leggen met de moskee over de iftar-avond",
    "Lijst van sleutelfiguren per straat bijwerken",
)


@dataclass(frozen=True)
class Filled:
    meetings: int
    alerts: int
    pulses: int
    actions: int
    late: int
    open: int


def _at(now: datetime, days_ago: int, at: time, tz: ZoneInfo) -> datetime:
    day = (now.astimezone(tz) - timedelta(days=days_ago)).date()
    return datetime.combine(day, at, tzinfo=tz)


async def fill_in_a_year(cast: Cast, network_name: str) -> Filled:
    """Noord's past year as the database would hold it; what was added, counted."""
    svc = services.of(cast.app)
    db, tz, now = svc.database, svc.settings.bot.tz, cast.clock.now()
    network = await networks.by_name(db, network_name)
    assert network is not None
    people = [m.user_id for m in await memberships.roster(db, network.id) if m.status == "approved"]
    sender = cast.karin.id
    held = await _meetings(db, network.id, people, sender, now, tz)
    alerts = await _alerts(db, network.id, [p for p in people if p != sender], sender, now, tz)
    pulses = await _pulses(db, network.id, people, now, tz)
    agreed = await _actions(db, network.id, held, people, sender, now, tz)
    return Filled(
        meetings=len(held),
        alerts=alerts,
        pulses=pulses,
        actions=len(agreed),
        late=agreed.count("late"),
        open=agreed.count("open") + agreed.count("overdue"),
    )


async def _meetings(
    db: Database, network_id: int, people: list[int], host: int, now: datetime, tz: ZoneInfo
) -> list[tuple[int, datetime]]:
    """Five meal meetings at the police station: who said yes, who came (ticked afterwards)."""
    held = []
    for number, days_ago in enumerate(MEETINGS):
        starts = _at(now, days_ago, time(19, 0), tz)
        meeting = await meetings.create(
            db,
            network_id=network_id,
            starts_at=starts,
            venue_kind="police_station",
            venue_name=None,
            place=None,
            meal_note=None,
            created_by=host,
            now=starts - timedelta(days=28),
        )
        # Ticked the same evening: every member at the time gets a row, not ticked = did not come.
        await meetings.confirm_attendance(db, meeting, starts + timedelta(hours=3))
        for index, person in enumerate(people):
            yes = (index + number) % 4 != 3
            # Now and then one who said yes stays away (a sick child, a late shift).
            came = yes and not (number % 2 == 1 and index == number % len(people))
            answered = starts - timedelta(days=10 - index)
            await meetings.set_answer(db, meeting.id, person, "yes" if yes else "no", answered)
            await meetings.set_attended(db, meeting.id, person, came)
        held.append((meeting.id, starts))
    return held


async def _alerts(
    db: Database, network_id: int, members: list[int], sender: int, now: datetime, tz: ZoneInfo
) -> int:
    """A dozen alerts from the police chief, each closed half a day later; each member saw it
    a while after it went out (a bit slower the further down the list), or not at all."""
    for number, (days_ago, at, typical) in enumerate(ALERTS):
        sent = _at(now, days_ago, at, tz)
        incident_id = await incidents.create(
            db,
            sender_id=sender,
            network_ids=[network_id],
            severity="urgent",
            sharing="network_only",
            text=ALERT_TEXTS[number % len(ALERT_TEXTS)],
            recipients=dict.fromkeys(members, network_id),
            build=lambda _id: [],  # sent back then: nothing to send now
            now=sent,
        )
        assert incident_id is not None
        await incidents.close(db, incident_id, sender, None, [], sent + timedelta(hours=12))
        for index, person in enumerate(members):
            if (number + index) % 5 == 4:
                continue  # this one they never saw
            minutes = typical * (0.6 + 0.8 * index) + number % 3
            await incidents.acknowledge(db, incident_id, person, sent + timedelta(minutes=minutes))
    return len(ALERTS)


async def _pulses(
    db: Database, network_id: int, people: list[int], now: datetime, tz: ZoneInfo
) -> int:
    """Four mood pulses, each open a week; not everyone answered."""
    made = 0
    for days_ago, moods in zip(PULSES, PULSE_MOODS, strict=True):
        opened = _at(now, days_ago, time(10, 0), tz)
        asked = await pulse.open_pulse(
            db, network_id, "monthly", people, opened, opened + timedelta(days=7), lambda _id: []
        )
        if asked is None:  # the network has an open pulse now: one pulse at a time
            continue
        for index, person in enumerate(people):
            mood = moods[index % len(moods)]
            if mood is not None:
                answered = opened + timedelta(hours=2 + 5 * index)
                await pulse.save_mood(db, asked.id, person, mood, answered)
        await pulse.close(db, asked.id, opened + timedelta(days=7), [])
        made += 1
    return made


async def _actions(
    db: Database,
    network_id: int,
    held: list[tuple[int, datetime]],
    people: list[int],
    host: int,
    now: datetime,
    tz: ZoneInfo,
) -> list[str]:
    """The actions agreed at the five meetings, each for a member, and how each went."""
    outcomes = []
    number = 0
    for (meeting_id, starts), agreed in zip(held, ACTIONS, strict=True):
        for outcome in agreed:
            created = starts + timedelta(hours=2)
            due: date = (starts + timedelta(days=21)).date()
            if outcome == "open":  # falls due after the demo: its reminders are still ahead
                due = (now + timedelta(days=45)).astimezone(tz).date()
            action_id = await actions.create(
                db,
                network_id=network_id,
                meeting_id=meeting_id,
                what=ACTION_TEXTS[number % len(ACTION_TEXTS)],
                owner_id=people[number % len(people)],
                due_on=due,
                created_by=host,
                build=lambda _id: [],
                now=created,
            )
            noon = datetime.combine(due, time(12, 0), tzinfo=tz)
            if outcome == "on time":
                await actions.set_status(db, action_id, "done", noon - timedelta(days=3))
            elif outcome == "late":
                await actions.set_status(db, action_id, "done", noon + timedelta(days=9))
            elif outcome == "overdue":  # the hosts heard it the morning after its date
                noticed = datetime.combine(due + timedelta(days=1), time(10, 0), tzinfo=tz)
                await actions.take_step(db, action_id, ActionStep.overdue, [], noticed)
            outcomes.append(outcome)
            number += 1
    return outcomes
