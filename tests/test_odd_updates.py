"""What Telegram sends that is not the usual story: an update the library cannot read, the same
update twice (also after a restart), a join request handled twice, and a failure while handling
an update nobody can be answered in a group for."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app import BotApplication, build_application, running
from bot.settings import Settings
from sandbox import Sandbox, SimUser
from storage import memberships, people
from tests.test_approval import Noord
from tests.test_intake import db_of, invite_code, noord, now

APOLOGY = "Sorry, something went wrong on our side"
SORRY_NL = "Sorry, er ging bij ons iets mis"


def starts(sandbox: Sandbox, user: SimUser) -> list[int]:
    """The ids of the /start… messages the sandbox handed to the bot for `user`."""
    return [
        u["update_id"]
        for u in sandbox.updates.delivered
        if u.get("message", {}).get("from", {}).get("id") == user.id
        and u["message"].get("text", "").startswith("/start")
    ]


def texts(user: SimUser) -> list[str]:
    return [m.text for m in user.private_chat.bot_messages()]


async def test_an_update_the_library_cannot_read_is_skipped_and_the_next_one_answered(
    app: BotApplication, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    eve = sandbox.add_user("Eve", last_name="Jansen", language_code="en")
    with caplog.at_level(logging.INFO):
        # A vote as a newer Telegram might send it: without a field python-telegram-bot needs.
        bad = sandbox.push_raw_update(
            {"poll_answer": {"poll_id": "77", "user": eve.to_api(), "option_ids": [0]}}
        )
        await eve.send("/help")
        await eve.expect("What you can do here")

    skipped = [r for r in caplog.records if str(bad) in r.getMessage()]
    assert [r.getMessage() for r in skipped] == [
        f"skipped update {bad} (poll_answer): the library cannot read it (TypeError)"
    ]
    assert "Eve" not in caplog.text and "Jansen" not in caplog.text
    assert [u["update_id"] for u in sandbox.updates.delivered].count(bad) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]


async def test_the_same_update_twice_is_acted_on_once(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, caplog: pytest.LogCaptureFixture
) -> None:
    network = await noord(app, coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    # Telegram hands the bot the very same update a second time, in the same batch.
    sandbox.push_raw_update(dict(sandbox.updates.pending[-1]))
    with caplog.at_level(logging.INFO, logger="handlers.once"):
        await eve.expect("You are invited")
        await eve.expect("What name")
        await eve.send("Eve")
        await eve.expect("organisation")

    assert not [t for t in texts(eve) if "carry on with your application" in t]
    assert len([t for t in texts(eve) if "You are invited" in t]) == 1
    assert "delivered again; not acted on twice" in caplog.text


async def test_an_update_delivered_again_after_a_restart_is_not_acted_on_again(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    async with running(build_application(settings)) as first:
        network = await noord(first, coordinator)
        await eve.send(f"/start {await invite_code(first, network, coordinator)}")
        await eve.expect("What name")
    # The bot died before Telegram heard it had the update: Telegram delivers it again.
    (start,) = starts(sandbox, eve)
    sandbox.updates.redeliver(start)

    async with running(build_application(settings)) as second:
        await eve.send("Eve")
        await eve.expect("organisation")
        assert starts(sandbox, eve) == [start, start]
        assert not [t for t in texts(eve) if "carry on with your application" in t]
        stored = await memberships.get(db_of(second), network.id, eve.id)
        assert stored is not None and stored.display_name == "Eve"


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    return await Noord(app, sandbox, coordinator).set_up()


def join_requests(sandbox: Sandbox, user: SimUser) -> list[dict[str, Any]]:
    """The chat_join_request updates of `user`, as the sandbox handed them to the bot."""
    return [
        u
        for u in sandbox.updates.delivered
        if u.get("chat_join_request", {}).get("from", {}).get("id") == user.id
    ]


async def approved_and_asking_to_join(world: Noord) -> dict[str, Any]:
    """Petra approves Ayşe, who opens her personal link: the join request, as Telegram sent it."""
    await world.petra.press(await world.application_for(world.petra), "✅ Approve")
    [[button]] = (await world.ayse.expect("Join its group chat")).buttons
    assert button.url
    request = await world.ayse.join(button.url)
    assert request is not None
    await world.sandbox.wait_for(lambda: request.approved)
    (update,) = join_requests(world.sandbox, world.ayse)
    return update


async def test_a_join_request_handled_twice_admits_once_and_the_group_hears_nothing(
    world: Noord, caplog: pytest.LogCaptureFixture
) -> None:
    update = await approved_and_asking_to_join(world)
    assert world.group is not None
    posted = len(world.group.bot_messages())
    with caplog.at_level(logging.INFO):
        # The same request again, under a new update id (as if its first handling was forgotten).
        world.sandbox.push_raw_update({"chat_join_request": update["chat_join_request"]})
        await world.ayse.send("/help")  # handled after the repeat: the repeat is done by then
        await world.ayse.expect("What you can do here")

    assert "was settled already" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(world.group.bot_messages()) == posted
    assert world.ayse.in_chat(world.group) == "member"
    assert not [t for t in texts(world.ayse) if APOLOGY in t]


async def test_a_strangers_repeated_join_request_tells_the_hosts_once(
    world: Noord, sandbox: Sandbox
) -> None:
    await approved_and_asking_to_join(world)
    link = await memberships.open_invite_links(db_of(world.app), world.network.id, world.ayse.id)
    mallory = sandbox.add_user("Mallory", username="mallory", language_code="en")
    request = await mallory.join(link[0].invite_link)
    assert request is not None
    await sandbox.wait_for(lambda: request.declined)
    await world.petra.expect("Mallory (@mallory) asked to join")
    (update,) = join_requests(sandbox, mallory)

    sandbox.push_raw_update({"chat_join_request": update["chat_join_request"]})
    # Petra's /help is handled after the repeat (Mallory's own would open her chat to the bot).
    await world.petra.send("/help")
    await world.petra.expect("What you can do here")
    assert len([t for t in texts(world.petra) if "Mallory (@mallory)" in t]) == 1
    assert len([t for t in texts(mallory) if "only for approved members" in t]) == 1


async def test_a_failure_while_admitting_is_no_apology_in_the_group_but_a_private_one(
    world: Noord, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    assert world.group is not None
    posted = len(world.group.bot_messages())
    await world.petra.press(await world.application_for(world.petra), "✅ Approve")
    [[button]] = (await world.ayse.expect("Join its group chat")).buttons
    assert button.url
    # Her app is English and the group speaks Dutch; she has chosen Dutch since.
    await people.set_language(db_of(world.app), world.ayse.id, "nl", now())
    sandbox.faults.fail_next(
        "approveChatJoinRequest", error_code=400, description="Bad Request: CHAT_ADMIN_REQUIRED"
    )
    with caplog.at_level(logging.INFO, logger="handlers.errors"):
        await world.ayse.join(button.url)
        await world.ayse.expect(SORRY_NL)

    (failed,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "(chat_join_request)" in failed
    assert f"chat {world.group.id}" in failed and f"user {world.ayse.id}" in failed
    assert len(world.group.bot_messages()) == posted
