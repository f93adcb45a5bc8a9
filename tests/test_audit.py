"""The audit: every act of power leaves one record, coordinators read it page by page, and
/forget keeps the fact but drops the person.

Carla is a coordinator. Noord has Petra (police chief), Marco (municipality) and Bram (key
figure); Ayşe has applied. Petra sets things in motion through the bot; each act adds exactly
one row (one per network for an alert), and an act that fails adds none.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.app import BotApplication
from bot.fit import LIMIT, MAX_BUTTONS
from domain import audit as audit_domain
from domain import coordination, intake, removal
from domain.alerts import send_alert
from domain.context import Context
from domain.coordination import Withdrawn
from sandbox import Sandbox, SimMessage, SimUser
from storage import audit, invites, memberships, networks, people, privacy
from storage.database import Database, migrations
from storage.networks import Network
from tests import given
from tests.conftest import eventually

Row = tuple[int | None, str, int | None, str | None, int | None]


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


async def rows(app: BotApplication) -> list[Row]:
    """Every record, oldest first: (actor, action, network, subject kind, subject id)."""
    found = await db_of(app).fetch_all(
        "SELECT actor_id, action, network_id, subject_kind, subject_id FROM audit ORDER BY id"
    )
    return [tuple(row) for row in found]  # type: ignore[misc]


async def recorded(app: BotApplication, *expected: Row) -> None:
    """Wait until the newest records are `expected` (the bot writes them as it answers)."""

    async def there() -> bool:
        return (await rows(app))[-len(expected) :] == list(expected)

    await eventually(there)


async def wait_text(message: SimMessage, part: str) -> None:
    assert message.chat.world is not None
    await message.chat.world.wait_for(lambda: part in (message.text or ""))


async def in_english(app: BotApplication, user: SimUser) -> None:
    await people.set_language(db_of(app), user.id, "en", datetime.now(UTC))
    user.started = True


@dataclass
class Noord:
    network: Network
    carla: SimUser  # coordinator
    petra: SimUser  # police chief
    marco: SimUser  # municipality
    bram: SimUser  # key figure
    ayse: SimUser  # applied


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    db, now = db_of(app), datetime.now(UTC)
    network = await networks.create(db, "Noord", None, coordinator.id, now)
    petra, marco, bram, ayse = (
        sandbox.add_user(name, language_code="en") for name in ("Petra", "Marco", "Bram", "Ayşe")
    )
    for user, role in ((petra, "police_chief"), (marco, "municipality"), (bram, "key_figure")):
        await given.approved(db, network.id, user, role, coordinator.id, language="en")
        user.started = True
    await in_english(app, coordinator)
    invite = await invites.create(db, network.id, "key_figure", petra.id, now)
    await invites.redeem(db, invite.code, ayse.id, now)
    await memberships.save_intake(
        db, network.id, ayse.id, now, answers={"display_name": "Ayşe"}, consent=True
    )
    await memberships.submit(db, network.id, ayse.id, now)
    ayse.started = True
    application = await memberships.get(db, network.id, ayse.id)
    assert application is not None
    await intake.announce(services.of(app), network, application)  # the cards to the hosts
    return Noord(network, coordinator, petra, marco, bram, ayse)


async def card(user: SimUser, world: Noord) -> SimMessage:
    """`user`'s copy of Ayşe's application."""
    data = f"decide:approve:{world.network.id}:{world.ayse.id}"
    message = await user.expect("Ayşe")
    assert data in [b.callback_data for row in message.buttons for b in row]
    return message


async def approve(user: SimUser, world: Noord) -> dict[str, object]:
    data = f"decide:approve:{world.network.id}:{world.ayse.id}"
    return await (await user.press(await card(user, world), data=data)).answered()


async def test_each_act_leaves_one_record_of_who_what_where_and_whom(
    app: BotApplication, sandbox: Sandbox, world: Noord
) -> None:
    carla, petra, noord = world.carla, world.petra, world.network.id
    assert await rows(app) == []  # what was arranged in storage is not recorded

    # Approving Ayşe's application, with the card's button.
    await approve(petra, world)
    await recorded(app, (petra.id, "approved", noord, "person", world.ayse.id))

    # Removing Bram, from /members.
    await petra.send("/members Noord")
    roster = await petra.expect("Noord")
    await (await petra.press(roster, data=f"roster:remove:{noord}:{world.bram.id}")).answered()
    question = await petra.expect("Bram")
    await petra.press(question, data=f"roster:confirm:{noord}:{world.bram.id}")
    await recorded(app, (petra.id, "removed", noord, "person", world.bram.id))

    # An invite, and a new network.
    await petra.send("/invite Noord sleutelfiguur")
    await petra.expect("start=")
    [(invite_id,)] = await db_of(app).fetch_all("SELECT max(id) FROM invites")
    await recorded(app, (petra.id, "invited", noord, "invite", invite_id))
    await carla.send("/newnetwork Zuid")
    await carla.expect("Zuid")
    zuid = await networks.by_name(db_of(app), "Zuid")
    assert zuid is not None
    await recorded(app, (carla.id, "created", zuid.id, "network", zuid.id))

    # Linking the group chat.
    group = sandbox.add_group("Wijk Noord", members=[petra], admins=[petra])
    rights = {"can_invite_users": True, "can_restrict_members": True, "can_pin_messages": True}
    await group.add_bot(by=petra, rights=rights)
    await group.expect("/link")
    await petra.send("/link Noord", chat=group)
    await recorded(app, (petra.id, "linked", noord, "group", group.id))

    # An alert to two networks, its update and its close.
    svc = services.of(app)
    await send_alert(svc, petra.id, [noord, zuid.id], "urgent", "network_only", "Smoke")
    await recorded(
        app,
        (petra.id, "alerted", noord, "incident", 1),
        (petra.id, "alerted", zuid.id, "incident", 1),
    )
    await petra.send("/update The fire is out.")
    await recorded(
        app,
        (petra.id, "updated", noord, "incident", 1),
        (petra.id, "updated", zuid.id, "incident", 1),
    )
    await petra.send("/close All clear.")
    await recorded(
        app,
        (petra.id, "closed", noord, "incident", 1),
        (petra.id, "closed", zuid.id, "incident", 1),
    )

    # Appointing a coordinator and withdrawing them: about no one network.
    await coordination.appoint(svc, world.marco.id, by=carla.id, by_name="Carla")
    await coordination.withdraw(svc, world.marco.id, by=carla.id, by_name="Carla")
    await recorded(
        app,
        (carla.id, "appointed", None, "person", world.marco.id),
        (carla.id, "withdrawn", None, "person", world.marco.id),
    )
    assert len(await rows(app)) == 13


async def test_nothing_is_recorded_for_an_act_that_did_not_happen(
    app: BotApplication, sandbox: Sandbox, world: Noord
) -> None:
    carla, petra = world.carla, world.petra
    await approve(petra, world)
    await recorded(app, (petra.id, "approved", world.network.id, "person", world.ayse.id))
    again = await approve(world.marco, world)  # a second copy of the card, pressed late
    assert "Petra" in str(again.get("text", ""))
    assert len(await rows(app)) == 1

    await carla.send("/newnetwork noord")  # the name is taken, in any case
    await carla.expect("noord")
    await world.bram.send("/invite Noord sleutelfiguur")  # a key figure may not invite
    await world.bram.expect("/help")
    svc = services.of(app)
    with pytest.raises(ValueError):
        await send_alert(svc, petra.id, [world.network.id], "urgent", "network_only", " ")
    await petra.send("/close")  # no open alert
    await petra.expect("/alert")
    outcome = await coordination.withdraw(svc, world.bram.id, by=carla.id, by_name="Carla")
    assert outcome is Withdrawn.NOT_APPOINTED
    # A member leaving is their own business: not recorded. Leaving twice does nothing.
    assert (await removal.leave(svc, world.network.id, world.bram.id, name="Bram")).removed
    again = await removal.remove(svc, world.network.id, world.bram.id, by=petra.id, by_name="P")
    assert not again.removed
    assert len(await rows(app)) == 1


async def a_record_of_every_kind(svc: Context, world: Noord) -> None:
    noord, petra, ayse = world.network.id, world.petra.id, world.ayse.id
    record = audit_domain.record
    Act = audit_domain.Act
    await record(svc, world.carla.id, Act.CREATED, noord, audit_domain.network(noord))
    await record(svc, petra, Act.INVITED, noord, audit_domain.invite(1))
    await record(svc, petra, Act.APPROVED, noord, audit_domain.person(ayse))
    await record(svc, petra, Act.REJECTED, noord, audit_domain.person(world.bram.id))
    await record(svc, world.marco.id, Act.REMOVED, noord, audit_domain.person(ayse))
    await record(svc, petra, Act.ALERTED, noord, audit_domain.incident(7))
    await record(svc, petra, Act.UPDATED, noord, audit_domain.incident(7))
    await record(svc, petra, Act.CLOSED, noord, audit_domain.incident(7))
    await record(svc, petra, Act.LINKED, noord, audit_domain.group(-100999))
    await record(svc, petra, Act.EXPORTED, noord, audit_domain.network(noord))
    await record(svc, world.carla.id, Act.APPOINTED, None, audit_domain.person(petra))
    await record(svc, world.carla.id, Act.WITHDRAWN, None, audit_domain.person(petra))


async def test_a_coordinator_reads_the_audit_page_by_page_per_network_or_all(
    app: BotApplication, sandbox: Sandbox, world: Noord
) -> None:
    carla, svc = world.carla, services.of(app)
    await a_record_of_every_kind(svc, world)
    zuid = await networks.create(db_of(app), "Zuid", None, carla.id, datetime.now(UTC))
    await audit_domain.record(svc, carla.id, audit_domain.Act.CREATED, zuid.id)

    await carla.send("/audit")
    first = await carla.expect("Audit")
    assert "1–10 of 13" in first.text
    assert first.button_texts() == ["▶", "Choose a network"]
    lines = first.text.split("\n")
    assert "A coordinator set up the network" in lines  # the newest first: Zuid
    assert "A coordinator ended the coordinator role of Petra" in first.text
    assert "Petra exported the members and attendance" in first.text
    assert "Petra closed alert #7" in first.text
    assert "Petra linked a group chat" in first.text  # a group the bot does not know (any more)
    assert "· Zuid" in first.text and "· Noord" in first.text
    today = datetime.now(UTC).astimezone(svc.settings.bot.tz)
    assert f"{today:%d}".lstrip("0") in first.text  # "Thursday 12 March, 19:00" style

    seen = first.text
    await (await carla.press(first, "▶")).answered()
    await wait_text(first, "11–13 of 13")
    assert first.button_texts() == ["◀", "Choose a network"]
    seen += first.text
    for said in (
        "Marco removed Ayşe",
        "Petra rejected the application of Bram",
        "Petra approved Ayşe",
        "Petra made an invite for a police chief",  # invite 1: the one Petra came in with
        "A coordinator set up the network",
    ):
        assert said in seen, said
    await (await carla.press(first, "◀")).answered()
    await wait_text(first, "1–10 of 13")

    await (await carla.press(first, "Choose a network")).answered()
    await wait_text(first, "Whose audit?")
    assert first.button_texts() == ["Noord", "Zuid", "All networks"]
    await (await carla.press(first, "Zuid")).answered()
    await wait_text(first, "Audit of Zuid")
    assert "A coordinator set up the network" in first.text
    assert "Petra" not in first.text
    assert first.button_texts() == ["All networks", "Choose a network"]

    await carla.send("/audit Zud")  # a typo
    await carla.expect("Did you mean: Zuid?")


async def test_the_audit_speaks_dutch_to_a_dutch_coordinator(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    noord = await networks.create(db_of(app), "Noord", None, coordinator.id, datetime.now(UTC))
    await audit_domain.record(
        svc, coordinator.id, audit_domain.Act.CREATED, noord.id, audit_domain.network(noord.id)
    )
    await audit_domain.record(svc, None, audit_domain.Act.FORGOT, noord.id)
    await coordinator.send("/audit")
    shown = await coordinator.expect("Logboek · alle netwerken")
    assert "Een lid heeft zijn of haar gegevens gewist" in shown.text
    assert "Een coördinator heeft het netwerk opgezet" in shown.text
    today = datetime.now(UTC).astimezone(svc.settings.bot.tz)
    weekday = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
    assert f"{weekday[today.weekday()]} {today.day} " in shown.text  # "donderdag 12 maart, 19:00"
    assert shown.button_texts() == ["Kies een netwerk"]


async def test_members_and_hosts_are_refused(
    app: BotApplication, sandbox: Sandbox, world: Noord
) -> None:
    for person in (world.petra, world.bram, sandbox.add_user("Zoë", language_code="en")):
        await person.send("/audit")
        refused = await person.expect("The audit is for coordinators")
        assert refused.buttons == []
    # An appointed coordinator reads it; once withdrawn, its buttons no longer work.
    svc, marco = services.of(app), world.marco
    await coordination.appoint(svc, marco.id, by=world.carla.id, by_name="Carla")
    await marco.send("/audit")
    page = await marco.expect("Audit · all networks")
    await coordination.withdraw(svc, marco.id, by=world.carla.id, by_name="Carla")
    for button in ("Choose a network", "▶"):
        data = "audit:pick:0" if button == "Choose a network" else "audit:show:all:1"
        answer = await (await marco.press(page, data=data)).answered()
        assert "no longer works" in str(answer.get("text", ""))
    assert "Whose audit" not in page.text  # the page stayed as it was


async def test_mydata_shows_what_you_did_and_what_was_done_about_you_not_who(
    app: BotApplication, world: Noord
) -> None:
    petra, ayse = world.petra, world.ayse
    await approve(petra, world)
    await recorded(app, (petra.id, "approved", world.network.id, "person", ayse.id))
    for person, by_you in ((petra, True), (ayse, False)):
        await person.send("/mydata")
        file = await person.expect(re.compile("JSON"))
        [entry] = json.loads(file.file or b"")["audit"]
        assert (entry["what"], entry["network"], entry["by_you"]) == ("approved", "Noord", by_you)
        assert set(entry) == {"what", "network", "at", "by_you"}  # nobody else's id


async def forget(app: BotApplication, user: SimUser) -> None:
    """`user` sends /forget and confirms."""
    await user.send("/forget")
    question = await user.expect("/start")
    await user.press(question, data="forget:yes")

    async def gone() -> bool:
        return not await privacy.has_data(db_of(app), user.id)

    await eventually(gone)


async def test_forget_keeps_the_fact_and_drops_the_person(
    app: BotApplication, sandbox: Sandbox, world: Noord
) -> None:
    petra, ayse, noord = world.petra, world.ayse, world.network.id
    await approve(petra, world)
    await recorded(app, (petra.id, "approved", noord, "person", ayse.id))

    await forget(app, petra)
    await recorded(
        app,
        (None, "approved", noord, "person", ayse.id),
        (None, "forgot", noord, None, None),
    )
    await forget(app, ayse)
    await recorded(
        app,
        (None, "approved", noord, "person", None),
        (None, "forgot", noord, None, None),
        (None, "forgot", noord, None, None),
    )
    assert len(await rows(app)) == 3
    raw = await db_of(app).fetch_all("SELECT * FROM audit")
    assert not [row for row in raw if petra.id in tuple(row) or ayse.id in tuple(row)]

    await world.carla.send("/audit Noord")
    shown = await world.carla.expect("Audit of Noord")
    said = "A member who deleted their data approved a member who deleted their data"
    assert said in shown.text
    assert shown.text.count("A member deleted their data") == 2
    assert "Petra" not in shown.text and "Ayşe" not in shown.text


async def test_a_thousand_networks_fit_every_page_and_keyboard(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    db = db_of(app)
    await in_english(app, coordinator)
    now = datetime.now(UTC).isoformat()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO networks (id, name, created_by, created_at) VALUES (?, ?, ?, ?)",
            [(n, f"{n:04d} " + "Wijk" * 60, coordinator.id, now) for n in range(1, 1001)],
        )
        await conn.executemany(
            "INSERT INTO audit (at, actor_id, action, network_id, subject_kind, subject_id)"
            " VALUES (?, NULL, 'approved', ?, 'person', NULL)",
            [(now, n) for n in range(1, 1001)],
        )
    await coordinator.send("/audit")
    page = await coordinator.expect("Audit")
    assert "1–10 of 1000" in page.text
    assert page.text.count("Wi…") == 10  # every network named, cut short
    assert len(page.text) <= LIMIT

    await (await coordinator.press(page, "Choose a network")).answered()
    await wait_text(page, "Whose audit?")
    for first in range(1, 1001, 24):
        await wait_text(page, f"{first}–")
        buttons = [b for row in page.buttons for b in row]
        assert len(buttons) <= MAX_BUTTONS
        assert all(len((b.callback_data or "").encode()) <= 64 for b in buttons)
        assert all(len(row) <= 2 for row in page.buttons)
        if first + 24 <= 1000:
            await (await coordinator.press(page, "▶")).answered()
    assert "985–1000 of 1000" in page.text and "▶" not in page.button_texts()
    await (await coordinator.press(page, page.buttons[0][0].text)).answered()
    await wait_text(page, "Audit of 0985")
    assert "1–" not in page.text  # one record: one page, no numbers


# --- the table itself ------------------------------------------------------------------------


async def test_the_audit_table_takes_no_change_but_a_forgotten_id_and_prunes_by_age(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "audit.sqlite3")
    try:
        old = datetime(2024, 1, 1, tzinfo=UTC)
        new = datetime(2026, 1, 1, tzinfo=UTC)
        await audit.add(db, old, 1, "approved", [5], audit_domain.person(2))
        await audit.add(db, new, 1, "alerted", [5, 6], audit_domain.incident(3))
        for change in (
            "UPDATE audit SET action = 'rejected'",
            "UPDATE audit SET actor_id = 9",
            "UPDATE audit SET at = '2020-01-01'",
            "UPDATE audit SET network_id = 7",
            "UPDATE audit SET subject_id = 4",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                async with db.transaction() as conn:
                    await conn.execute(change)
        async with db.transaction() as conn:
            assert await audit.forget(conn, 1) == 3
            assert await audit.forget(conn, 2) == 1
            assert await audit.forget(conn, 3) == 0  # an incident's number is no person
        assert [e.actor_id for e in await audit.page(db, None, offset=0, limit=10)] == [None] * 3

        assert await audit.prune(db, new - timedelta(days=1)) == 1
        assert await audit.count(db, None) == 2
        assert await audit.count(db, 5) == 1
        for day in range(5):  # a backlog goes in short transactions, all of it
            await audit.add(db, old + timedelta(days=day), None, "forgot", [5], None)
        assert await audit.prune(db, new - timedelta(days=1), batch=2) == 5
        assert await audit.count(db, None) == 2
    finally:
        await db.close()


async def test_the_retention_window_comes_from_the_settings_with_a_moved_clock(
    app: BotApplication, coordinator: SimUser
) -> None:
    svc = services.of(app)
    now = svc.clock.now()
    db = svc.database
    days = audit_domain.window(svc).days
    await audit.add(db, now - timedelta(days=days + 1), coordinator.id, "created", [None], None)
    await audit.add(db, now - timedelta(days=days - 1), coordinator.id, "created", [None], None)
    assert await audit_domain.prune(svc) == 1
    assert await audit.count(db, None) == 1


async def test_appointments_made_before_the_audit_existed_are_in_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    database = await Database.open(path, migrate=False)
    await database.close()
    older = [m for m in migrations() if m.version < 16]
    with sqlite3.connect(path) as conn:  # a database as the version before this one left it
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')"
        )
        for migration in older:
            conn.executescript(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                (migration.version, migration.name, migration.checksum),
            )
        conn.execute(
            "INSERT INTO coordinator_changes (user_id, change, by_user_id, at) VALUES"
            " (7, 'appointed', 1, '2025-01-01T10:00:00+00:00'),"
            " (7, 'withdrawn', NULL, '2025-02-01T10:00:00+00:00')"
        )
    db = await Database.open(path)
    try:
        entries = await audit.page(db, None, offset=0, limit=10)
        assert [(e.at[:10], e.actor_id, e.action, e.network_id, e.subject) for e in entries] == [
            ("2025-02-01", None, "withdrawn", None, audit.Subject("person", 7)),
            ("2025-01-01", 1, "appointed", None, audit.Subject("person", 7)),
        ]
    finally:
        await db.close()
