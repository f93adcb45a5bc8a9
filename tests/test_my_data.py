"""/mydata: a summary a volunteer can read, and everything as a JSON file to keep."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import services
from bot.app import BotApplication
from bot.fit import LIMIT
from bot.i18n import translator
from domain import my_data
from sandbox import Sandbox, SimMessage, SimUser
from storage import group_chats, memberships, networks, people, privacy
from storage.database import Database
from storage.group_chats import BotRights
from tests.given import approved

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


def file_of(message: SimMessage) -> dict[str, Any]:
    assert message.document is not None and message.file is not None
    assert message.document["file_name"].endswith(".json")
    assert message.document["mime_type"] == "application/json"
    document: dict[str, Any] = json.loads(message.file)
    return document


async def test_a_member_reads_a_summary_and_gets_everything_as_a_file(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    db = db_of(app)
    noord = await networks.create(db, "Noord", None, coordinator.id, NOW)
    eve = sandbox.add_user("Eve", language_code="en")
    await approved(db, noord.id, eve, "key_figure", coordinator.id, phone="+31612345678")
    link = "https://t.me/+personalLinkOfEve"
    rights = BotRights(can_invite_users=True, can_restrict_members=True)
    await group_chats.record_added(db, -100123, "Wijk Noord", coordinator.id, NOW, True, rights)
    await group_chats.link(db, -100123, noord.id, coordinator.id, NOW)
    await memberships.record_invite_link(db, noord.id, eve.id, -100123, link, NOW)

    await eve.send("/mydata")
    summary = await eve.expect("What we keep about you")
    for shown in (
        f"Your Telegram id: {eve.id}",
        "Your network",
        "• Noord – key figure, approved",
        "Name: Eve",
        "Phone: +31612345678 (the police chief and municipality may call you)",
        "Meals: not given",
        "Join links made for you: 1",
        "/profile",
        "/forget",
    ):
        assert shown in summary.text, shown
    assert "{" not in summary.text and "null" not in summary.text  # no JSON to read
    assert link not in summary.text

    sent = await eve.expect("Everything we keep about you, as a file")
    document = file_of(sent)
    assert document["telegram_user_id"] == eve.id
    assert "about_this_file" in document and "made_at" in document
    [network] = document["networks"]
    assert network["network"] == "Noord" and network["name"] == "Eve"
    assert network["phone_number"] == "+31612345678"
    assert network["police_chief_and_municipality_may_call_you"] is True
    assert "display_name" not in network and "phone_on_call_list" not in network
    assert document["you"]["you_blocked_the_bot_at"] is None
    [join_link] = document["group_chat_join_links"]
    assert join_link["network"] == "Noord" and join_link["made_at"] == NOW.isoformat()
    raw = sent.file.decode() if sent.file else ""
    assert link not in raw and "personalLinkOfEve" not in raw  # a link works like a key
    assert services.of(app).settings.telegram.token.get_secret_value() not in raw


async def test_the_summary_speaks_dutch(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    db = db_of(app)
    noord = await networks.create(db, "Noord", None, coordinator.id, NOW)
    karin = sandbox.add_user("Karin", language_code="nl")
    await approved(db, noord.id, karin, "police_chief", coordinator.id)
    await karin.send("/mydata")
    summary = await karin.expect("Wat we van je bewaren")
    assert "• Noord – politiechef, goedgekeurd" in summary.text
    sent = await karin.expect("Alles wat we van je bewaren, als bestand")
    assert file_of(sent)["networks"][0]["role"] == "police_chief"


async def test_fifteen_networks_and_every_detail_at_its_longest_fit_one_message(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    db = db_of(app)
    eve = sandbox.add_user("Eve", language_code="en")
    for number in range(15):
        network = await networks.create(db, f"{number:02d}" + "N" * 98, None, coordinator.id, NOW)
        await approved(db, network.id, eve, "key_figure", coordinator.id, name="E" * 64)
        answers = {"organisation": "O" * 300, "reach": f"{number}" + "R" * 290, "diet": "D" * 300}
        await memberships.save_details(db, network.id, eve.id, NOW, answers)
    await people.set_language(db, eve.id, "en", NOW)

    await eve.send("/mydata")
    summary = await eve.expect("What we keep about you")
    assert len(summary.text) <= LIMIT
    assert "Your networks (15)" in summary.text
    assert "Communities you reach: 15 different answers" in summary.text
    assert "Organisation: " + "O" * 99 + "…" in summary.text  # all of it is in the file
    sent = await eve.expect("as a file")
    assert [n["organisation"] for n in file_of(sent)["networks"]] == ["O" * 300] * 15
    assert not [m for m in eve.private_chat.bot_messages() if m not in (summary, sent)]


async def test_someone_we_know_nothing_about_hears_so(
    app: BotApplication, sandbox: Sandbox
) -> None:
    bob = sandbox.add_user("Bob", language_code="en")
    await bob.send("/mydata")
    told = await bob.expect("We store nothing about you")
    assert told.document is None
    assert not await privacy.has_data(db_of(app), bob.id)


async def test_a_file_that_cannot_be_sent_gets_a_designed_answer(
    app: BotApplication, sandbox: Sandbox
) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send("/language en")
    await eve.expect("English")
    sandbox.faults.fail_next(
        "sendDocument", chat_id=eve.id, error_code=400, description="Bad Request: file is too big"
    )
    await eve.send("/mydata")
    await eve.expect("What we keep about you")
    sorry = await eve.expect("could not send the file")
    assert "try /mydata again" in sorry.text
    assert not [m for m in eve.private_chat.bot_messages() if m.document is not None]


def test_the_summary_counts_what_was_answered_instead_of_listing_it() -> None:
    _ = translator("en")
    alert = {
        "incident_id": 1,
        "network": "Noord",
        "acknowledged_at": NOW.isoformat(),
        "mood": "calm",
        "reply_text": "Rustig hier <script>",
        "replied_at": NOW.isoformat(),
        "call_me_at": None,
        "unreachable_at": None,
        "reminded_at": None,
    }
    record: dict[str, Any] = {
        "telegram_user_id": 7,
        "profile": None,
        "memberships": [],
        "group_invite_links": [],
        "alerts_received": [alert, {**alert, "incident_id": 2, "acknowledged_at": None}],
        "meeting_answers": [{"meeting": NOW.isoformat(), "answer": "yes", "attended": True}],
        "agenda_topics": [{"text": "Overlast", "anonymous": 0, "created_at": NOW.isoformat()}],
        "actions": [{"what": "Huiswerkklas", "due_on": None, "status": "open", "done_at": None}],
        "coordinator": {"appointed_at": NOW.isoformat()},
        "audit": [{"what": "exported"}],  # a part added later reaches the file unchanged
    }
    text = my_data.summary(_, record, AMSTERDAM, now=NOW, configured_coordinator=False)
    assert "Alerts: 2 received, 1 seen, 2 answered, 0 asked to be called" in text
    assert "Meal meetings: 1 answered, 1 attended" in text
    assert "Topics you proposed: 1" in text
    assert "Agreed actions you took on: 1, 0 done" in text
    assert "Coordinator since 2 March." in text  # the year only when it is not this year's
    next_year = datetime(2027, 1, 5, tzinfo=UTC)
    later = my_data.summary(_, record, AMSTERDAM, now=next_year, configured_coordinator=True)
    assert "Coordinator since 2 March 2026." in later
    assert "Rustig hier" not in text and "Overlast" not in text  # counts, not dumps
    document = my_data.readable(_, record, NOW)
    assert document["alerts_received"][0]["your_reply"] == "Rustig hier <script>"
    assert document["alerts_received"][0]["seen_at"] == NOW.isoformat()
    assert document["topics_you_proposed"][0]["topic"] == "Overlast"
    assert document["audit"] == [{"what": "exported"}]
    assert my_data.file_name(NOW) == "bondgenoten-my-data-2026-03-02.json"
