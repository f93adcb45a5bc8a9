"""Coordinators appoint one another with Telegram's user picker, confirm it, and can withdraw it.

Carla is a coordinator from the configuration file. She picks Ahmed with the picker (or sends
his contact card, or forwards a message of his), says yes, and Ahmed hears it; /coordinators
shows who appointed whom, with a Withdraw button. Every change leaves an audit row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.app import BotApplication
from bot.settings import Settings
from sandbox import Sandbox, SimMessage, SimUser
from storage import coordinators, people, privacy
from storage.database import Database
from tests.conftest import eventually, make_settings
from tests.test_networks import in_english

PICKER = 1  # the request_id of /appoint's user picker


@pytest.fixture
def piet(sandbox: Sandbox) -> SimUser:
    """A second coordinator from the configuration file."""
    return sandbox.add_user("Piet", last_name="Jansen", language_code="en")


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, coordinator: SimUser, piet: SimUser) -> Settings:
    return make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [coordinator.id, piet.id]}
    )


@pytest.fixture
async def carla(app: BotApplication, coordinator: SimUser) -> SimUser:
    await in_english(coordinator)
    return coordinator


@pytest.fixture
async def ahmed(sandbox: Sandbox) -> SimUser:
    user = sandbox.add_user("Ahmed", last_name="Zwartkop", username="ahmedz", language_code="en")
    await in_english(user)
    return user


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


async def start_appointing(carla: SimUser) -> SimMessage:
    await carla.send("/appoint")
    asked = await carla.expect("Who should become a coordinator?")
    assert asked.keyboard == [["👤 Choose a person"], ["Cancel"]]
    return asked


async def test_a_coordinator_picks_someone_confirms_and_they_are_told(
    app: BotApplication, sandbox: Sandbox, carla: SimUser, ahmed: SimUser
) -> None:
    asked = await start_appointing(carla)
    button = asked.reply_markup["keyboard"][0][0]  # type: ignore[index]
    assert button["request_users"] == {
        "request_id": PICKER,
        "user_is_bot": False,
        "max_quantity": 1,
        "request_name": True,
        "request_username": True,
    }
    await ahmed.send("/newnetwork Oost")
    await ahmed.expect("Sorry, only")

    await carla.share_users(PICKER, [ahmed])
    chosen = await carla.expect("👤 Ahmed Zwartkop")
    assert chosen.removes_keyboard and carla.private_chat.reply_keyboard is None
    card = await carla.expect("Make Ahmed Zwartkop a coordinator?")
    assert card.button_texts() == ["✅ Yes, appoint", "✖️ No"]
    assert not await coordinators.is_appointed(db_of(app), ahmed.id)  # not before yes

    await (await carla.press(card, "✅ Yes, appoint")).answered()
    await sandbox.wait_for(lambda: "is now a coordinator" in (card.text or ""))
    assert card.button_texts() == ["↩️ Withdraw"]
    told = await ahmed.expect("made you a coordinator")
    assert "Carla de Vries" in (told.text or "")

    db = db_of(app)
    appointment = await coordinators.get(db, ahmed.id)
    assert appointment is not None
    assert (appointment.appointed_by, appointment.name) == (carla.id, "Ahmed Zwartkop")
    [change] = await coordinators.changes(db, ahmed.id)
    assert (change.change, change.by_user_id) == ("appointed", carla.id)
    await ahmed.send("/newnetwork Oost")
    await ahmed.expect("The network Oost is set up")

    # A second tap on the old card's yes does nothing more.
    again = await (await carla.press(card, data=f"coord:yes:{ahmed.id}")).answered()
    assert "no longer works" in again.get("text", "")
    assert len(await coordinators.changes(db, ahmed.id)) == 1


async def test_no_and_cancel_appoint_nobody(
    app: BotApplication, sandbox: Sandbox, carla: SimUser, ahmed: SimUser
) -> None:
    await start_appointing(carla)
    await carla.share_users(PICKER, [ahmed])
    card = await carla.expect("Make Ahmed Zwartkop a coordinator?")
    await carla.send("yes please")  # typed instead of pressed
    await carla.expect("Please answer with the buttons under the question.")
    await (await carla.press(card, "✖️ No")).answered()
    await sandbox.wait_for(lambda: card.text == "Fine: nobody was appointed.")

    await start_appointing(carla)
    await carla.send("Ahmed")  # a name typed where the picker is asked
    nudged = await carla.expect("Please choose the person with the button")
    assert nudged.keyboard[0] == ["👤 Choose a person"]
    await carla.tap("Cancel")
    stopped = await carla.expect("Fine: nobody was appointed.")
    assert stopped.removes_keyboard
    await carla.send("Ahmed")
    await carla.expect("I work with commands and buttons")  # nothing open any more
    assert not await coordinators.is_appointed(db_of(app), ahmed.id)
    assert await coordinators.changes(db_of(app), ahmed.id) == []

    await start_appointing(carla)
    await carla.send("/cancel")
    assert (await carla.expect("Stopped.")).removes_keyboard


async def test_a_typed_user_id_gets_the_picker(carla: SimUser, ahmed: SimUser) -> None:
    await carla.send(f"/appoint {ahmed.id}")
    asked = await carla.expect("No need to type a number: choose the person instead.")
    assert asked.keyboard[0] == ["👤 Choose a person"]


async def test_oneself_and_existing_coordinators_need_no_appointment(
    app: BotApplication, carla: SimUser, ahmed: SimUser, piet: SimUser
) -> None:
    await start_appointing(carla)
    await carla.share_users(PICKER, [carla])
    itself = await carla.expect("That is you: you are a coordinator already.")
    assert itself.keyboard[0] == ["👤 Choose a person"]  # the picker again: someone else?

    await carla.share_users(PICKER, [piet])
    configured = await carla.expect("Piet Jansen is already a coordinator")
    assert "configuration file" in (configured.text or "") and configured.removes_keyboard

    await coordinators.appoint(db_of(app), ahmed.id, carla.id, datetime.now(UTC), "Ahmed Z.")
    await start_appointing(carla)
    await carla.share_users(PICKER, [ahmed])
    already = await carla.expect("Ahmed Zwartkop is already a coordinator, appointed by you on")
    assert already.removes_keyboard
    assert len(await coordinators.changes(db_of(app), ahmed.id)) == 1  # nothing new recorded


async def test_a_contact_card_or_a_forward_names_the_person(
    app: BotApplication, sandbox: Sandbox, carla: SimUser, ahmed: SimUser
) -> None:
    await start_appointing(carla)
    await carla.send_contact("+31201234567", "Bakkerij Bos")  # not on Telegram
    await carla.expect("I can't see a Telegram account for that contact")
    await carla.forward(ahmed, "Tot donderdag!", hidden=True)
    await carla.expect("Their privacy settings hide who sent that message")
    await carla.send_location(52.37, 4.90)  # not what was asked
    await carla.expect("I wasn't asking for that just now.")

    await start_appointing(carla)
    await carla.send_contact("+31612345678", "Ahmed", last_name="Zwartkop", user=ahmed)
    card = await carla.expect("Make Ahmed Zwartkop a coordinator?")
    await (await carla.press(card, "✖️ No")).answered()

    wim = sandbox.add_user("Wim", language_code="en")
    await start_appointing(carla)
    await carla.forward(wim, "Zie je donderdag")
    card = await carla.expect("Make Wim a coordinator?")
    await (await carla.press(card, "✅ Yes, appoint")).answered()
    await carla.expect("My message to Wim did not arrive")  # Wim never opened the bot
    assert await coordinators.is_appointed(db_of(app), wim.id)


async def test_someone_who_never_started_the_bot_is_appointed_and_the_appointer_learns_how_to_reach_them(  # noqa: E501
    app: BotApplication, sandbox: Sandbox, carla: SimUser
) -> None:
    dirk = sandbox.add_user("Dirk", last_name="de Boer", language_code="en")  # never wrote
    await start_appointing(carla)
    await carla.share_users(PICKER, [dirk])
    card = await carla.expect("Make Dirk de Boer a coordinator?")
    await (await carla.press(card, "✅ Yes, appoint")).answered()
    unreached = await carla.expect("My message to Dirk de Boer did not arrive")
    assert f"https://t.me/{sandbox.bot_username}" in (unreached.text or "")
    assert "tap Start" in (unreached.text or "")
    assert await coordinators.is_appointed(db_of(app), dirk.id)  # stored all the same
    await dirk.send("/newnetwork West")  # after Start, he is a coordinator
    await dirk.expect("The network West is set up")


async def test_someone_who_blocked_the_bot_is_appointed_with_the_link_at_once(
    app: BotApplication, sandbox: Sandbox, carla: SimUser, ahmed: SimUser
) -> None:
    await ahmed.block_bot()

    async def blocked() -> bool:
        person = await people.get(db_of(app), ahmed.id)
        return person is not None and person.blocked_at is not None

    await eventually(blocked)
    await start_appointing(carla)
    await carla.share_users(PICKER, [ahmed])
    card = await carla.expect("Make Ahmed Zwartkop a coordinator?")
    await (await carla.press(card, "✅ Yes, appoint")).answered()
    await sandbox.wait_for(lambda: "they blocked me" in (card.text or ""))
    assert "https://t.me/" in (card.text or "")


async def test_coordinators_are_listed_and_an_appointment_is_withdrawn(
    app: BotApplication, sandbox: Sandbox, carla: SimUser, ahmed: SimUser, piet: SimUser
) -> None:
    db = db_of(app)
    await coordinators.appoint(db, ahmed.id, carla.id, datetime.now(UTC), "Ahmed Zwartkop")
    await carla.send("/coordinators")
    listed = await carla.expect("Coordinators")
    text = listed.text or ""
    assert "1. Carla de Vries (you) – in the configuration file" in text
    assert "2. a coordinator – in the configuration file" in text  # Piet: no name we know
    assert "3. Ahmed Zwartkop – appointed by you on" in text
    assert listed.button_texts() == ["↩️ Withdraw 3"]  # none for the configuration's two

    for forged in (f"coord:wd:{piet.id}", f"coord:wdok:{piet.id}"):
        refused = await (await carla.press(listed, data=forged)).answered()
        assert "configuration file" in refused.get("text", "")
    await (await carla.press(listed, "↩️ Withdraw 3")).answered()
    sure = await carla.expect("Withdraw Ahmed Zwartkop as coordinator?")
    await (await carla.press(sure, "✖️ No, keep")).answered()
    await sandbox.wait_for(lambda: sure.text == "Fine: nothing changed.")
    assert await coordinators.is_appointed(db, ahmed.id)

    await (await carla.press(listed, "↩️ Withdraw 3")).answered()
    sure = await carla.expect("Withdraw Ahmed Zwartkop as coordinator?")
    await (await carla.press(sure, "↩️ Yes, withdraw")).answered()
    await sandbox.wait_for(lambda: "is no longer a coordinator" in (sure.text or ""))
    await ahmed.expect("ended your role as coordinator")
    assert not await coordinators.is_appointed(db, ahmed.id)
    assert [c.change for c in await coordinators.changes(db, ahmed.id)] == [
        "appointed",
        "withdrawn",
    ]
    [_appointed, withdrawn] = await coordinators.changes(db, ahmed.id)
    assert withdrawn.by_user_id == carla.id
    await ahmed.send("/newnetwork Oost")
    await ahmed.expect("Sorry, only")

    again = await (await carla.press(sure, data=f"coord:wdok:{ahmed.id}")).answered()
    assert "is not a coordinator any more" in again.get("text", "")
    anchor = ahmed.private_chat.bot_messages()[-1]
    refused = await (await ahmed.press(anchor, data="coord:list:0")).answered()
    assert "only a coordinator" in refused.get("text", "")


async def test_the_last_coordinator_cannot_be_withdrawn(
    sandbox: Sandbox, tmp_path: Path, coordinator: SimUser
) -> None:
    """Without coordinators in the configuration, the last appointed one stays."""
    from bot.app import build_application, running

    settings = make_settings(sandbox, tmp_path / "bot.sqlite3")  # [access] coordinators = []
    async with running(build_application(settings)) as app:
        db = db_of(app)
        ahmed = sandbox.add_user("Ahmed", last_name="Zwartkop", language_code="en")
        wim = sandbox.add_user("Wim", language_code="en")
        await in_english(ahmed)
        await in_english(wim)
        now = datetime.now(UTC)
        await coordinators.appoint(db, ahmed.id, 1, now, "Ahmed Zwartkop")
        await coordinators.appoint(db, wim.id, ahmed.id, now + timedelta(seconds=1), "Wim")

        await ahmed.send("/coordinators")
        listed = await ahmed.expect("Coordinators")
        assert listed.button_texts() == ["↩️ Withdraw 1", "↩️ Withdraw 2"]
        await (await ahmed.press(listed, "↩️ Withdraw 2")).answered()
        sure = await ahmed.expect("Withdraw Wim as coordinator?")
        await (await ahmed.press(sure, "↩️ Yes, withdraw")).answered()
        await sandbox.wait_for(lambda: "Wim is no longer a coordinator" in (sure.text or ""))

        refused = await (await ahmed.press(listed, "↩️ Withdraw 1")).answered()
        assert "is the last coordinator" in refused.get("text", "")
        forged = await (await ahmed.press(listed, data=f"coord:wdok:{ahmed.id}")).answered()
        assert "is the last coordinator" in forged.get("text", "")
        assert await coordinators.is_appointed(db, ahmed.id)


# --- the audit trail, as stored -------------------------------------------------------------


async def test_the_audit_trail_survives_forgetting_without_the_ids(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "audit.sqlite3")
    try:
        now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        carla, ahmed, wim = 100, 200, 300
        assert await coordinators.appoint(db, ahmed, carla, now, "Ahmed")
        assert not await coordinators.appoint(db, ahmed, wim, now)  # once
        assert await coordinators.appoint(db, wim, ahmed, now, "Wim")
        withdrawn = await coordinators.withdraw(db, wim, ahmed, now, configured=[carla])
        assert withdrawn is coordinators.Withdrawal.WITHDRAWN
        assert (
            await coordinators.withdraw(db, wim, ahmed, now, configured=[carla])
            is coordinators.Withdrawal.NOT_APPOINTED
        )
        # Ahmed is the only appointed one and nobody is configured: he stays.
        assert (
            await coordinators.withdraw(db, ahmed, ahmed, now, configured=[])
            is coordinators.Withdrawal.LAST
        )
        assert await privacy.has_data(db, wim)  # the audit rows about him
        await privacy.forget_person(db, ahmed)
        assert not await privacy.has_data(db, ahmed)
        trail = await db.fetch_all("SELECT user_id, change, by_user_id FROM coordinator_changes")
        assert [tuple(row) for row in trail] == [
            (None, "appointed", carla),
            (wim, "appointed", None),
            (wim, "withdrawn", None),
        ]
    finally:
        await db.close()
