"""/export for an access request: a network's members and attendance as files a privacy officer
opens in Excel (CSV) or a program reads (JSON), for its hosts and the coordinators only, and
recorded in the audit.

Noord has Petra (police chief, who lets the hosts call her), Marco (municipality), Bram (key
figure, who keeps his number to himself), a key figure whose name looks like an Excel formula,
and Kees, who left. They met once; Petra and Bram came.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import services
from bot.app import BotApplication
from domain.alerts import close_incident, send_alert
from domain.export import slug
from sandbox import Sandbox, SimMessage, SimUser
from storage import actions, meetings, memberships, networks, people
from storage import incidents as incident_store
from storage.database import Database
from storage.networks import Network
from tests import given

NOW = datetime.now(UTC)
SNEAKY = '=HYPERLINK("http://x","y")'  # a name Excel would run as a formula


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


@dataclass
class Noord:
    network: Network
    petra: SimUser
    marco: SimUser
    bram: SimUser
    carla: SimUser  # coordinator


@pytest.fixture
async def noord(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    db = db_of(app)
    network = await networks.create(db, "Noord", "Amsterdam-Noord", coordinator.id, NOW)
    petra, marco, bram, sneaky, kees = (
        sandbox.add_user(name, language_code="en")
        for name in ("Petra", "Marco", "Bram", "Sneaky", "Kees")
    )
    await given.approved(
        db, network.id, petra, "police_chief", coordinator.id, phone="+31 6 1111 2222"
    )
    await given.approved(db, network.id, marco, "municipality", coordinator.id)
    await given.approved(db, network.id, bram, "key_figure", petra.id)
    await memberships.save_details(
        db,
        network.id,
        bram.id,
        NOW,
        {
            "phone": "+31 6 3333 4444",
            "phone_to_hosts": False,
            "organisation": 'Stichting "Çay; thee"',
        },
    )
    await given.approved(db, network.id, sneaky, "key_figure", petra.id, name=SNEAKY)
    await given.approved(db, network.id, kees, "key_figure", petra.id)
    await memberships.remove(db, network.id, kees.id, kees.id, NOW)
    for user in (petra, marco, bram, coordinator):
        await people.set_language(db, user.id, "en", NOW)
        user.started = True
    meeting = await meetings.create(
        db,
        network_id=network.id,
        starts_at=NOW - timedelta(days=30),
        venue_kind="police_station",
        venue_name=None,
        place=None,
        meal_note=None,
        created_by=petra.id,
        now=NOW - timedelta(days=60),
    )
    await meetings.set_answer(db, meeting.id, petra.id, "yes", NOW - timedelta(days=40))
    await meetings.set_answer(db, meeting.id, bram.id, "maybe", NOW - timedelta(days=40))
    await meetings.set_answer(db, meeting.id, marco.id, "no", NOW - timedelta(days=40))
    await meetings.set_attended(db, meeting.id, petra.id, True)
    await meetings.set_attended(db, meeting.id, bram.id, True)
    await meetings.confirm_attendance(db, meeting, NOW - timedelta(days=29))
    return Noord(network, petra, marco, bram, coordinator)


async def files_of(user: SimUser, count: int = 3) -> list[SimMessage]:
    """The files the bot sent `user`, in order, once `count` of them are there."""
    chat = user.private_chat
    assert chat.world is not None
    await chat.world.wait_for(lambda: len(documents(user)) >= count)
    return documents(user)


def documents(user: SimUser) -> list[SimMessage]:
    return [m for m in user.private_chat.bot_messages() if m.document is not None]


def table(message: SimMessage) -> list[list[str]]:
    assert message.file is not None and message.document is not None
    assert message.file.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert message.document["file_name"].endswith(".csv")
    text = message.file.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text), delimiter=";"))


async def choose(user: SimUser, label: str) -> None:
    """Under /export, with the network chosen: which files."""
    choice = await user.expect("Which files of")
    await (await user.press(choice, label)).answered()


async def exports(app: BotApplication) -> list[tuple[Any, ...]]:
    found = await db_of(app).fetch_all(
        "SELECT actor_id, action, network_id, subject_kind, subject_id FROM audit"
        " WHERE action LIKE 'exported%' ORDER BY id"
    )
    return [tuple(row) for row in found]


async def test_a_host_gets_the_members_and_attendance_as_csv_and_json(
    app: BotApplication, noord: Noord
) -> None:
    petra, network = noord.petra, noord.network
    await petra.send("/export Noord")
    await choose(petra, "Members and attendance")
    intro = await petra.expect("for an access request")
    assert "personal data" in intro.text and "audit" in intro.text
    members, attendance, whole = await files_of(petra)

    rows = table(members)
    assert rows[0] == [
        "Name",
        "Role",
        "Organisation",
        "Status",
        "Applied",
        "Decided",
        "In the group chat since",
        "Left or removed",
        "Phone (may be called by the police chief and municipality)",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert len(rows) == 6  # everyone who was ever in it, Kees too
    assert by_name["Petra"][1:4] == ["police chief", "", "approved"]
    assert by_name["Petra"][8] == "'+31 6 1111 2222"  # text for Excel, not a sum
    assert by_name["Bram"][2] == 'Stichting "Çay; thee"'  # quoted, the ; kept inside
    assert by_name["Bram"][8] == ""  # he did not allow it: his number stays out
    assert by_name["Kees"][3] == "removed" and by_name["Kees"][7]
    assert "'" + SNEAKY in by_name  # never run as a formula
    local_now = NOW.astimezone(services.of(app).settings.bot.tz)
    assert by_name["Marco"][5][:10] == f"{local_now:%Y-%m-%d}"  # "2026-03-12 19:00": Excel's
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", by_name["Marco"][5])
    raw = members.file or b""
    assert b"3333" not in raw  # Bram's number is in no file
    assert members.caption and "Noord" in members.caption
    assert members.document and members.document["file_name"].startswith("noord-members-")

    rows = table(attendance)
    assert rows[0] == ["Meeting", "Meeting status", "Name", "Role", "Answer", "Came"]
    assert sorted(row[2:] for row in rows[1:]) == [
        ["'" + SNEAKY, "key figure", "", "no"],  # no answer; not there, as confirmed
        ["Bram", "key figure", "maybe", "yes"],
        ["Marco", "municipality contact", "no", "no"],
        ["Petra", "police chief", "yes", "yes"],
    ]
    assert {row[1] for row in rows[1:]} == {"planned"}
    assert b"3333" not in (attendance.file or b"")

    assert whole.document and whole.document["mime_type"] == "application/json"
    document = json.loads(whole.file or b"")
    assert document["network"]["name"] == "Noord"
    assert "access request" in document["about_this_file"]
    assert len(document["members"]) == 5
    phones = {m["name"]: m["phone_police_and_municipality_may_call"] for m in document["members"]}
    assert phones["Petra"] == "+31 6 1111 2222" and phones["Bram"] is None
    [meeting] = document["meetings"]
    assert sorted((a["name"], a["answer"], a["came"]) for a in meeting["attendance"]) == [
        (SNEAKY, None, False),
        ("Bram", "maybe", True),
        ("Marco", "no", False),
        ("Petra", "yes", True),
    ]
    assert b"3333" not in (whole.file or b"")
    assert "diet" not in json.dumps(document) and "reach" not in json.dumps(document)

    assert await exports(app) == [(petra.id, "exported", network.id, "network", network.id)]


async def test_only_the_hosts_and_coordinators_may_export(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    zuid = await networks.create(db_of(app), "Zuid", None, noord.carla.id, NOW)
    stranger = sandbox.add_user("Zoë", language_code="en")
    for person in (noord.bram, stranger):
        await person.send("/export")
        await person.expect("Only a network's police chief, its municipality contact or a coord")
    await noord.bram.send("/export Noord")
    await noord.bram.expect("/help")
    await noord.petra.send("/export Zuid")  # not her network
    await noord.petra.expect("/help")
    await noord.petra.send("/export Nord")
    await noord.petra.expect("Did you mean: Noord?")
    assert not documents(noord.bram) and not documents(noord.petra) and not documents(stranger)
    assert await exports(app) == []

    # A coordinator chooses among the networks; an empty one has nothing to export.
    await noord.carla.send("/export")
    choice = await noord.carla.expect("Which network")
    assert choice.button_texts() == ["Noord", "Zuid"]
    await (await noord.carla.press(choice, "Zuid")).answered()
    await sandbox.wait_for(lambda: "Which files of Zuid?" in (choice.text or ""))
    await (await noord.carla.press(choice, "Members and attendance")).answered()
    await noord.carla.expect("nothing to export")
    assert not documents(noord.carla)
    await noord.carla.send("/export")
    choice = await noord.carla.expect("Which network")
    await (await noord.carla.press(choice, "Noord")).answered()
    await sandbox.wait_for(lambda: "Which files of Noord?" in (choice.text or ""))
    await (await noord.carla.press(choice, "Members and attendance")).answered()
    await files_of(noord.carla)
    assert await exports(app) == [(noord.carla.id, "exported", noord.network.id, "network", 1)]
    assert zuid.id != noord.network.id


async def test_a_file_that_cannot_be_sent_gets_a_designed_answer_and_no_record(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    petra = noord.petra
    sandbox.faults.fail_next(
        "sendDocument", chat_id=petra.id, error_code=400, description="Bad Request: file is too big"
    )
    await petra.send("/export Noord")
    await choose(petra, "Members and attendance")
    sorry = await petra.expect("could not send")
    assert "noord-members-" in sorry.text and "/export" in sorry.text
    assert not documents(petra)
    assert await exports(app) == []

    await petra.send("/export Noord")  # a moment later it works
    await choose(petra, "Members and attendance")
    await files_of(petra)
    assert len(await exports(app)) == 1


async def test_the_numbers_of_a_network_as_csv_without_names_of_who_reacted(
    app: BotApplication, noord: Noord
) -> None:
    svc = services.of(app)
    db, tz = svc.database, svc.settings.bot.tz
    petra, bram, marco, network = noord.petra, noord.bram, noord.marco, noord.network
    today = NOW.astimezone(tz).date()
    late = await actions.create(
        db,
        network_id=network.id,
        meeting_id=None,
        what="Homework room with the library",
        owner_id=bram.id,
        due_on=today - timedelta(days=20),
        created_by=petra.id,
        build=lambda _id: [],
        now=NOW - timedelta(days=30),
    )
    await actions.set_status(db, late, "done", NOW - timedelta(days=5))
    await actions.create(
        db,
        network_id=network.id,
        meeting_id=None,
        what="=cmd|' /C calc'!A0",  # typed as a formula: stays text
        owner_id=marco.id,
        due_on=today - timedelta(days=2),
        created_by=petra.id,
        build=lambda _id: [],
        now=NOW - timedelta(days=10),
    )
    incident = await send_alert(svc, petra.id, [network.id], "urgent", "network_only", "Unrest")
    await svc.dispatcher.idle()
    await incident_store.acknowledge(db, incident, bram.id, datetime.now(UTC))
    await incident_store.set_mood(db, incident, marco.id, "calm", datetime.now(UTC))
    assert await close_incident(svc, incident, petra.id, "Calm again")

    await petra.send("/export Noord")
    await choose(petra, "Numbers: meetings, actions, alerts")
    await petra.expect("recorded in the audit")
    meetings_file, actions_file, alerts_file = await files_of(petra)

    rows = table(meetings_file)
    assert rows[0] == ["Meeting", "Said yes", "Came"]
    assert [row[1:] for row in rows[1:]] == [["1", "2"]]  # Petra said yes; she and Bram came
    assert meetings_file.caption and "Counted since" in meetings_file.caption

    rows = table(actions_file)
    assert rows[0] == ["Agreed", "Action", "Who", "Date", "Done at", "How it went"]
    states = {row[1]: (row[2], row[5]) for row in rows[1:]}
    assert states == {
        "Homework room with the library": ("Bram", "done late"),
        "'=cmd|' /C calc'!A0": ("Marco", "past its date"),
    }

    rows = table(alerts_file)
    assert rows[0][:4] == ["Alert sent", "Reached", "Not reachable", "Seen"]
    (alert,) = rows[1:]
    reached = await db.fetch_one(
        "SELECT count(*) FROM incident_recipients WHERE incident_id = ? AND unreachable_at IS NULL",
        (incident,),
    )
    assert reached is not None and alert[1] == str(reached[0])
    assert alert[3] == "2" and alert[5] == "1"  # Bram and Marco saw it; Marco answered
    assert alert[6]  # closed
    raw = alerts_file.file or b""
    assert b"Unrest" not in raw and b"Bram" not in raw and b"Marco" not in raw
    assert alerts_file.caption and "no names" in alerts_file.caption
    # The audit says what left the bot: the numbers, not the members and attendance.
    assert await exports(app) == [(petra.id, "exported_numbers", network.id, "network", network.id)]
    await noord.carla.send("/audit Noord")
    shown = await noord.carla.expect("exported the numbers")
    assert "exported the members" not in (shown.text or "")


def test_a_network_name_becomes_a_safe_file_name() -> None:
    assert slug("Wijk Noord-Oost") == "wijk-noord-oost"
    assert slug("Ayşe's café ☕") == "ayse-s-cafe"
    assert slug("☕☕") == "network"
    assert len(slug("x" * 300)) == 40
