"""Menus per role and chat: what each person's Telegram lists, kept right when roles change,
through an outage and a restart; the description of an empty chat; commands typed in a group;
and the hosts' tags in the group."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import SystemClock
from bot.i18n import translator
from bot.settings import Settings
from domain import coordination, menus, ports, removal
from domain.context import Context
from handlers import start
from handlers.fallback import our_commands
from sandbox import Sandbox, SimChat, SimUser
from storage import deliveries, group_chats, networks
from storage import menus as menu_store
from storage import people as people_store
from storage.database import Database
from tests import given
from tests.conftest import eventually
from tests.test_approval import Noord

STRANGER = ["start", "language", "privacy", "help"]
MEMBER = [
    "signal",
    "meetings",
    "topic",
    "actions",
    "profile",
    "contacts",
    "rumour",
    "whocan",
    "language",
    "privacy",
    "mydata",
    "leave",
    "forget",
    "cancel",
    "help",
]
HOST_ONLY = ["alert", "incident", "update", "close", "meeting", "action", "stats"]
HOST_ONLY += ["invite", "members", "export", "replies"]
HOST_ONLY += ["signals"]
HOST_ONLY += ["rumours"]
HOST_ONLY += ["pulse"]
HOST = [c for c, _ in menus.PRIVATE if c in HOST_ONLY or c in MEMBER]  # in the menu's order
COORDINATOR = [c for c, shown in menus.PRIVATE if menus.Part.COORDINATOR in shown]
COORDINATOR_AND_MEMBER = [
    c for c, shown in menus.PRIVATE if shown - {menus.Part.STRANGER, menus.Part.HOST}
]


def now() -> datetime:
    return datetime.now(UTC)


async def menu_of(sandbox: Sandbox, user: SimUser, expected: list[str]) -> None:
    """Wait until `user`'s app lists exactly `expected` in the private chat."""
    await sandbox.wait_for(lambda: sandbox.menu_shown(user) == expected)


def descriptions_of(sandbox: Sandbox, user: SimUser) -> dict[str, str]:
    ((_scope, found),) = [
        (key, value) for key, value in sandbox.command_sets.items() if key[0][1] == user.id
    ]
    return {c["command"]: c["description"] for c in found}


# --- the menus themselves --------------------------------------------------------------------


def test_each_menu_lists_only_what_that_person_may_do() -> None:
    member = menus.parts(coordinator=False, member=True, host=False)
    host = menus.parts(coordinator=False, member=True, host=True)
    coordinator = menus.parts(coordinator=True, member=False, host=False)
    en = translator("en")
    assert [c for c, _ in menus.commands(menus.STRANGERS, en)] == STRANGER
    assert [c for c, _ in menus.commands(member, en)] == MEMBER
    hosts = [c for c, _ in menus.commands(host, en)]
    assert hosts[:5] == ["alert", "incident", "update", "close", "meeting"]  # the urgent first
    assert set(hosts) == set(MEMBER) | set(HOST_ONLY)
    coordinators = [c for c, _ in menus.commands(coordinator, en)]
    assert {"networks", "newnetwork", "appoint", "invites", "alert"} <= set(coordinators)
    assert "profile" not in coordinators and "leave" not in coordinators  # no membership
    assert "start" not in hosts + coordinators


def test_a_menu_fits_telegram_and_differs_per_language() -> None:
    host = menus.parts(coordinator=True, member=True, host=True)
    for language in ("nl", "en"):
        listed = menus.commands(host, translator(language))
        assert len(listed) <= 100
        assert all(1 <= len(description) <= 256 for _, description in listed)
    dutch, english = menus.wanted(host, "nl"), menus.wanted(host, "en")
    assert dutch.signature != english.signature
    assert dict(dutch.commands)["forget"] == "Je gegevens wissen"
    assert menus.wanted(menus.STRANGERS, "nl") == menus.Wanted([], None)


async def test_every_command_in_a_menu_exists(app: BotApplication) -> None:
    ours = our_commands(app)
    listed = {c for c, _ in menus.PRIVATE} | set(menus.GROUP_ADMINISTRATORS)
    assert listed <= ours, f"menus list commands nobody handles: {sorted(listed - ours)}"


# --- what Telegram shows before anyone asks --------------------------------------------------


async def test_strangers_see_the_short_menu_and_the_description_in_their_language(
    app: BotApplication, sandbox: Sandbox
) -> None:
    dutch, english = sandbox.add_user("Sanne"), sandbox.add_user("Sam", language_code="en")
    french = sandbox.add_user("Simone", language_code="fr")
    for person in (dutch, english, french):
        assert sandbox.menu_shown(person) == STRANGER
    start = {c["command"]: c["description"] for c in sandbox.commands("all_private_chats", "")}
    assert start["start"] == "Welkom, en hoe je meedoet"  # the default language for French
    assert sandbox.commands("all_private_chats", "en")[0]["description"] == (
        "Welcome, and how to join"
    )
    for code in ("", "nl", "en"):
        description = sandbox.profile[("description", code)]
        short = sandbox.profile[("short_description", code)]
        assert "112" in description and "112" in short
        assert len(description) <= 512 and len(short) <= 120
    assert "Bel altijd eerst 112" in sandbox.profile[("description", "nl")]
    assert "Always call 112 first" in sandbox.profile[("description", "en")]


async def test_a_group_shows_help_and_its_administrators_also_link(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    member = sandbox.add_user("Bram", language_code="en")
    group = sandbox.add_group("Wijk Noord", members=[member], admins=[coordinator])
    assert sandbox.menu_shown(member, group) == ["help"]
    assert sandbox.menu_shown(coordinator, group) == ["help", "link"]
    dutch = {c["command"]: c["description"] for c in sandbox.commands("all_group_chats", "nl")}
    english = {c["command"]: c["description"] for c in sandbox.commands("all_group_chats", "en")}
    assert list(dutch) == ["help"] and dutch != english


# --- menus per role, kept right when the role changes -----------------------------------------


async def test_an_approved_member_gets_the_member_menu_in_their_language(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    world = await Noord(app, sandbox, coordinator).set_up(with_group=False)
    assert sandbox.menu_shown(world.ayse) == STRANGER  # applying is not a role yet
    application = await world.application_for(world.petra)
    await (await world.petra.press(application, "✅ Approve")).answered()
    await menu_of(sandbox, world.ayse, MEMBER)
    assert descriptions_of(sandbox, world.ayse)["forget"] == "Delete your data"


async def test_hosts_and_coordinators_get_their_menus_in_dutch_and_english(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    db = svc.database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    karin = sandbox.add_user("Karin", language_code="en")
    karin.started = True
    await given.approved(db, noord.id, karin, "police_chief", coordinator.id, language="en")
    await menus.refresh(svc, karin.id)  # what approval does (see the test above)
    await menu_of(sandbox, karin, HOST)
    assert descriptions_of(sandbox, karin)["alert"] == "Alert your network after an incident"

    # A coordinator from the settings has no role in storage: /start sets their menu.
    await coordinator.send("/start")
    await coordinator.expect("coördinator")
    await menu_of(sandbox, coordinator, COORDINATOR)
    assert descriptions_of(sandbox, coordinator)["newnetwork"] == "Een netwerk opzetten"


async def test_appointing_removing_and_a_language_change_update_the_menu(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    db = svc.database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    fatima = sandbox.add_user("Fatima")
    fatima.started = True
    await given.approved(db, noord.id, fatima, "key_figure", coordinator.id, language="nl")
    await menus.refresh(svc, fatima.id)
    await menu_of(sandbox, fatima, MEMBER)
    assert descriptions_of(sandbox, fatima)["leave"] == "Een netwerk verlaten"

    await fatima.send("/language en")
    await fatima.expect("English")
    await sandbox.wait_for(lambda: descriptions_of(sandbox, fatima)["leave"] == "Leave a network")

    await coordination.appoint(svc, fatima.id, by=coordinator.id, by_name="Carla")
    await menu_of(sandbox, fatima, COORDINATOR_AND_MEMBER)

    await removal.leave(svc, noord.id, fatima.id, name="Fatima")
    await menu_of(sandbox, fatima, COORDINATOR)  # still a coordinator, no longer a member


async def test_a_member_who_leaves_or_forgets_is_back_to_the_short_menu(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    db = svc.database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    bram, ahmed = sandbox.add_user("Bram"), sandbox.add_user("Ahmed")
    for person in (bram, ahmed):
        person.started = True
        await given.approved(db, noord.id, person, "key_figure", coordinator.id, language="nl")
        await menus.refresh(svc, person.id)
        await menu_of(sandbox, person, MEMBER)

    await removal.leave(svc, noord.id, bram.id, name="Bram")
    await menu_of(sandbox, bram, STRANGER)
    assert await menu_store.signature(db, bram.id) is None

    await ahmed.send("/forget")
    question = await ahmed.expect(None)
    await ahmed.press(question, data="forget:yes")
    await menu_of(sandbox, ahmed, STRANGER)

    async def nothing_of_ahmed_queued() -> bool:
        # The reset carries nothing of Ahmed's but the chat it goes to; the rest is forgotten.
        rows = await db.fetch_all("SELECT 1 FROM deliveries WHERE user_id = ?", (ahmed.id,))
        return not rows and await menu_store.signature(db, ahmed.id) is None

    await eventually(nothing_of_ahmed_queued)


async def test_the_same_menu_is_not_sent_twice(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    db = svc.database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    bram = sandbox.add_user("Bram")
    bram.started = True
    await given.approved(db, noord.id, bram, "key_figure", coordinator.id, language="nl")
    assert await menus.refresh(svc, bram.id)
    assert not await menus.refresh(svc, bram.id)
    await menu_of(sandbox, bram, MEMBER)
    assert not await menus.refresh(svc, bram.id)
    # Nobody we never met gets a menu (Telegram does not know their chat).
    assert not await menus.refresh(svc, 6_999_999_999)


# --- through an outage and a restart ---------------------------------------------------------


async def test_a_menu_queued_in_an_outage_arrives_after_a_restart(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    karin = sandbox.add_user("Karin", language_code="en")
    karin.started = True
    async with running(build_application(settings)) as app:
        svc = services.of(app)
        noord = await networks.create(svc.database, "Noord", None, coordinator.id, now())
        sandbox.faults.outage("5xx", methods=["setMyCommands"])
        await given.approved(svc.database, noord.id, karin, "police_chief", coordinator.id)
        await menus.refresh(svc, karin.id)

        async def tried() -> bool:
            row = await svc.database.fetch_one(
                "SELECT attempts FROM deliveries WHERE kind = 'menu' AND status = 'pending'"
            )
            return row is not None and row[0] >= 1

        await eventually(tried)
    assert sandbox.menu_shown(karin) == STRANGER  # down, then stopped: nothing arrived

    sandbox.faults.recover()
    async with running(build_application(settings)):
        await menu_of(sandbox, karin, HOST)
    assert sandbox.faults.injected


async def test_after_a_restart_stale_menus_are_brought_up_to_date(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(start, "MENU_SWEEP_FIRST", timedelta(seconds=0.5))  # not a minute
    people = [sandbox.add_user(f"Lid {n}") for n in range(3)]
    async with running(build_application(settings)) as app:
        db = services.of(app).database
        noord = await networks.create(db, "Noord", None, coordinator.id, now())
        for person in people:
            person.started = True
            await given.approved(db, noord.id, person, "key_figure", coordinator.id)
        # One chat shows a menu of an older version of the bot.
        async with db.transaction() as conn:
            await menu_store.record(conn, people[0].id, "member:nl:0ld", now())
    for person in people:
        assert sandbox.menu_shown(person) == STRANGER
    async with running(build_application(settings)):
        for person in people:
            await menu_of(sandbox, person, MEMBER)


class Quiet:
    """An outbox that is never woken (the sweep's pace is read from the table)."""

    waiting_for_channel = False

    def wake(self) -> None:
        pass


async def test_the_sweep_queues_a_batch_at_a_time_and_goes_on_where_it_stopped(
    settings: Settings, tmp_path: Path, coordinator: SimUser, sandbox: Sandbox
) -> None:
    db = await Database.open(tmp_path / "sweep.sqlite3")
    try:
        ctx = Context(settings=settings, clock=SystemClock(), db=db, outbox=Quiet())
        noord = await networks.create(db, "Noord", None, coordinator.id, now())
        members = [sandbox.add_user(f"Lid {n}") for n in range(5)]
        stranger = sandbox.add_user("Sanne")
        await given.approved(db, noord.id, members[0], "police_chief", coordinator.id)
        for person in members[1:]:
            await given.approved(db, noord.id, person, "key_figure", coordinator.id)
        await people_store.set_language(db, stranger.id, "en", now())

        first = await menus.sweep(ctx, 0, at_most=2)
        assert first.queued == 2 and first.after == members[1].id
        second = await menus.sweep(ctx, first.after, at_most=2)
        assert second.queued == 2 and second.after == members[3].id
        last = await menus.sweep(ctx, second.after, at_most=2)
        assert last.queued == 1 and last.after is None  # the stranger needs no menu
        rows = await db.fetch_all(
            "SELECT chat_id, method, params FROM deliveries WHERE kind = 'menu' ORDER BY id"
        )
        assert [r["chat_id"] for r in rows] == [m.id for m in members]
        assert {r["method"] for r in rows} == {ports.MENU}
        # A second pass finds nothing to do; a page of 2 still walks everyone.
        again, after, pages = 0, 0, 0
        while True:
            swept = await menus.sweep(ctx, after, scan=2)
            again, pages = again + swept.queued, pages + 1
            if swept.after is None:
                break
            after = swept.after
        assert again == 0 and pages == 4
    finally:
        await db.close()


async def test_a_refused_menu_is_forgotten_so_it_is_sent_again(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    db = svc.database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    lost = sandbox.add_user("Lost")  # never started the bot: Telegram does not know the chat
    await given.approved(db, noord.id, lost, "key_figure", coordinator.id)
    assert await menus.refresh(svc, lost.id)

    async def ended() -> bool:
        row = await db.fetch_one("SELECT status FROM deliveries WHERE kind = 'menu'")
        return row is not None and row[0] == "failed"

    await eventually(ended)
    await eventually(lambda: _no_signature(db, lost.id))


async def _no_signature(db: Database, user_id: int) -> bool:
    return await menu_store.signature(db, user_id) is None


# --- commands typed in the group ---------------------------------------------------------------


@pytest.fixture
async def noord_group(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> tuple[networks.Network, SimChat, SimUser, SimUser]:
    db = services.of(app).database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    bram = sandbox.add_user("Bram", language_code="en")
    bram.started = True
    await given.approved(db, noord.id, bram, "key_figure", coordinator.id, language="en")
    visitor = sandbox.add_user("Vera", language_code="en")
    group = sandbox.add_group("Wijk Noord", members=[bram, visitor], admins=[coordinator])
    await group.add_bot(by=coordinator, rights={"can_invite_users": True})
    await group.expect("/link")
    await group_chats.link(db, group.id, noord.id, coordinator.id, now())
    return noord, group, bram, visitor


async def test_a_private_command_in_the_group_points_to_the_private_chat(
    sandbox: Sandbox, noord_group: tuple[networks.Network, SimChat, SimUser, SimUser]
) -> None:
    _noord, group, bram, _visitor = noord_group
    for typed in ("/alert", "/start", "/members@bondgenoten_bot", "/meetings"):
        before = len(group.bot_messages())
        await bram.send(typed, chat=group)
        reply = await group.expect(f"{typed.split('@')[0]} works in our private chat")
        [[button]] = reply.buttons
        assert button.text == "Open our private chat"
        assert button.url == "https://t.me/bondgenoten_bot"
        assert len(group.bot_messages()) == before + 1  # one short reply, nothing more
    assert not bram.private_chat.bot_messages()


async def test_a_non_member_and_an_unknown_command_get_a_designed_answer(
    sandbox: Sandbox, noord_group: tuple[networks.Network, SimChat, SimUser, SimUser]
) -> None:
    _noord, group, bram, visitor = noord_group
    await visitor.send("/alert", chat=group)
    answer = await group.expect("I work for the members of Noord")
    assert "personal invite" in answer.text and answer.buttons[0][0].url
    await bram.send("/weather@bondgenoten_bot", chat=group)
    unknown = await group.expect("I don't know /weather")
    assert "/help" in unknown.text
    # A bare unknown command, or one for another bot, is not ours to answer.
    count = len(group.bot_messages())
    await bram.send("/weather", chat=group)
    await bram.send("/alert@weather_bot", chat=group)
    await bram.send("/help", chat=group)
    help_reply = await group.expect("Talk to me privately")
    assert help_reply.buttons[0][0].url == "https://t.me/bondgenoten_bot"
    assert len(group.bot_messages()) == count + 1


# --- hosts' tags in the group ----------------------------------------------------------------


async def test_hosts_wear_their_tag_in_the_group_and_key_figures_none(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    svc = services.of(app)
    db = svc.database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    chief, alderman, fatima = (sandbox.add_user(n) for n in ("Karin", "Joost", "Fatima"))
    for person, role in (
        (chief, "police_chief"),
        (alderman, "municipality"),
        (fatima, "key_figure"),
    ):
        person.started = True
        await given.approved(db, noord.id, person, role, coordinator.id, language="nl")
    group = sandbox.add_group("Wijk Noord", members=[chief], admins=[coordinator], supergroup=True)
    await group.add_bot(
        by=coordinator,
        rights={"can_invite_users": True, "can_restrict_members": True, "can_manage_tags": True},
    )
    await group.expect("/link")
    await coordinator.send("/link Noord", chat=group)
    # Karin was in the group already; Joost and Fatima join with their personal links.
    await sandbox.wait_for(lambda: group.members[chief.id].tag == "Politie")
    for person in (alderman, fatima):
        link = await person.expect("persoonlijke link")
        request = await person.join(link.buttons[0][0].url)
        assert request is not None
        await sandbox.wait_for(lambda r=request: r.approved)
    await sandbox.wait_for(lambda: group.members[alderman.id].tag == "Gemeente")
    assert group.members[fatima.id].tag == ""
    message = await chief.send("Er is brand bij de moskee, we zijn ter plaatse.", chat=group)
    assert message.to_api()["sender_tag"] == "Politie"


async def test_without_the_right_to_manage_tags_the_bot_carries_on(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, caplog: pytest.LogCaptureFixture
) -> None:
    db = services.of(app).database
    noord = await networks.create(db, "Noord", None, coordinator.id, now())
    chief = sandbox.add_user("Karin")
    chief.started = True
    await given.approved(db, noord.id, chief, "police_chief", coordinator.id, language="nl")
    group = sandbox.add_group("Wijk Noord", members=[], admins=[coordinator])
    await group.add_bot(
        by=coordinator, rights={"can_invite_users": True, "can_restrict_members": True}
    )
    await group.expect("/link")
    with caplog.at_level(logging.INFO, logger="handlers.groups"):
        await coordinator.send("/link Noord", chat=group)
        link = await chief.expect("persoonlijke link")
        request = await chief.join(link.buttons[0][0].url)
        assert request is not None
        await sandbox.wait_for(lambda: request.approved)
        await eventually(lambda: _logged(caplog, "not tagged"))
    assert chief.in_chat(group) == "member" and group.members[chief.id].tag == ""
    assert "chat_admin_required" in caplog.text.lower()


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return text in caplog.text


async def test_a_menu_delivery_goes_to_the_chat_scope_and_sends_no_message() -> None:
    from bot.dispatcher import render

    params = ports.menu([("help", "Hulp")], "member:nl:abc")
    delivery = deliveries.Delivery(
        id=1,
        chat_id=42,
        priority=7,
        method=ports.MENU,
        params=params,
        kind="menu",
        incident_id=None,
        network_id=None,
        user_id=42,
        reply_to=None,
        pin=False,
        status="pending",
        attempts=0,
        not_before=None,
        message_id=None,
        sent_at=None,
        error=None,
        created_at="",
    )
    assert render(delivery) == (
        "setMyCommands",
        {
            "commands": [{"command": "help", "description": "Hulp"}],
            "scope": {"type": "chat", "chat_id": 42},
        },
    )
