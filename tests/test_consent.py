"""Consent with a version: after the privacy notice changed, a member agrees again before their
next use; the answer is kept (version and moment) and in the audit; alerts never wait for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.settings import Settings
from domain import consent, intake
from domain.alerts import send_alert
from domain.intake_steps import Position, Step
from sandbox import Sandbox, SimUser
from storage import invites, memberships, networks, people, privacy
from storage.database import Database
from tests import given
from tests.conftest import eventually

BUMPED = consent.VERSION + 1


async def arrange(db: Database, coordinator: SimUser, *members: tuple[SimUser, str]) -> int:
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    for user, role in members:
        await given.approved(db, network.id, user, role, coordinator.id)
    return network.id


async def audit_rows(db: Database, user_id: int) -> list[tuple[str, int | None]]:
    rows = await db.fetch_all(
        "SELECT action, network_id FROM audit WHERE actor_id = ? ORDER BY id", (user_id,)
    )
    return [(row["action"], row["network_id"]) for row in rows]


async def test_a_member_agrees_again_after_the_notice_changed_and_alerts_still_reach_her(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ayse = sandbox.add_user("Ayşe", language_code="nl")
    karin = sandbox.add_user("Karin", language_code="nl")
    async with running(build_application(settings)) as app:
        db = services.of(app).database
        network_id = await arrange(db, coordinator, (ayse, "key_figure"), (karin, "police_chief"))
        await ayse.send("/help")  # agreed to the notice in force: nothing is asked
        assert "privacyverklaring" not in (await ayse.expect(None)).text

    monkeypatch.setattr(consent, "VERSION", BUMPED)  # the notice changed; the bot restarts
    async with running(build_application(settings)) as app:
        svc = services.of(app)
        await ayse.send("/profile")
        question = await ayse.expect(None)
        assert "privacyverklaring is veranderd" in question.text
        assert f"versie {BUMPED}" in question.text
        assert question.button_texts() == ["Akkoord", "Lees meer", "Ik stop liever"]
        await ayse.send("/help")  # free to read; and /profile above was not answered too
        assert "privacyverklaring" not in (await ayse.expect(None)).text

        # Safety first: an alert reaches her and she can say she saw it.
        incident_id = await send_alert(
            svc, karin.id, [network_id], "critical", "network_only", "Brand bij de school"
        )
        await svc.dispatcher.idle()
        alert = await ayse.expect("Brand bij de school")
        await (await ayse.press(alert, "✅ Gezien")).answered()

        async def acknowledged() -> bool:
            row = await svc.database.fetch_one(
                "SELECT acknowledged_at FROM incident_recipients"
                " WHERE incident_id = ? AND user_id = ?",
                (incident_id, ayse.id),
            )
            return row is not None and row["acknowledged_at"] is not None

        await eventually(acknowledged)

        await (await ayse.press(question, "Lees meer")).answered()
        await sandbox.wait_for(lambda: "alles op een rij" in question.text)
        assert f"Versie {BUMPED}" in question.text
        assert question.button_texts() == ["Akkoord", "Ik stop liever"]

    async with running(build_application(settings)) as app:  # answered after a restart
        db = services.of(app).database
        await (await ayse.press(question, "Akkoord")).answered()
        await sandbox.wait_for(lambda: "Dank je" in question.text)
        person = await people.get(db, ayse.id)
        assert person is not None and person.privacy_version == BUMPED
        assert person.privacy_agreed_at is not None
        profile = (await privacy.export_person(db, ayse.id))["profile"]  # /mydata has it
        assert profile["privacy_notice_version_agreed_to"] == BUMPED
        assert profile["privacy_notice_agreed_at"] == person.privacy_agreed_at
        assert ("agreed", network_id) in await audit_rows(db, ayse.id)
        await ayse.send("/profile")
        assert "privacyverklaring" not in (await ayse.expect(None)).text
        # Karin, a member too, is asked on her next use: once each.
        await karin.send("/meetings")
        assert "privacyverklaring is veranderd" in (await karin.expect(None)).text
        assert await audit_rows(db, ayse.id) == [("agreed", network_id)]


async def test_rather_stop_points_to_leave_and_forget_and_asks_again_in_english(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = services.of(app).database
    eve = sandbox.add_user("Eve", language_code="en")
    stranger = sandbox.add_user("Sam", language_code="en")
    network_id = await arrange(db, coordinator, (eve, "key_figure"))
    monkeypatch.setattr(consent, "VERSION", BUMPED)

    await eve.send("/meetings")
    question = await eve.expect("Our privacy notice changed")
    assert question.button_texts() == ["Agree", "Read more", "I'd rather stop"]
    await (await eve.press(question, "I'd rather stop")).answered()
    await sandbox.wait_for(lambda: "/leave" in question.text and "/forget" in question.text)
    assert "alerts" in question.text
    assert ("declined", network_id) in await audit_rows(db, eve.id)
    person = await people.get(db, eve.id)
    assert person is not None and (person.privacy_version or 1) < BUMPED

    await eve.send("/privacy")  # what it takes to decide is never held back
    assert "Privacy" in (await eve.expect(None)).text
    await eve.send("/meetings")
    assert "Our privacy notice changed" in (await eve.expect(None)).text
    # Someone who is no member has agreed to nothing and is asked nothing.
    await stranger.send("/meetings")
    assert "privacy notice" not in (await stranger.expect(None)).text


async def test_the_intake_records_the_version_in_force(
    app: BotApplication, coordinator: SimUser, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consent, "VERSION", BUMPED)
    svc = services.of(app)
    db = svc.database
    now = datetime.now(UTC)
    bram = sandbox.add_user("Bram", language_code="en")
    network = await networks.create(db, "Noord", None, coordinator.id, now)
    invite = await invites.create(db, network.id, "key_figure", coordinator.id, now)
    assert isinstance(await invites.redeem(db, invite.code, bram.id, now), invites.Invite)
    membership = await memberships.get(db, network.id, bram.id)
    assert membership is not None
    position = Position(Step.CONSENT)
    answer = intake.ButtonAnswer("I agree", position, consent=True)
    assert await intake.choose(svc, membership, answer) is not None
    person = await people.get(db, bram.id)
    assert person is not None and person.privacy_version == BUMPED
    assert person.privacy_agreed_at is not None


def test_an_unversioned_agreement_counts_as_the_first_version() -> None:
    assert consent.agreed_version(None) == 1
    person = people.Person(1, None, "2026-01-01", "2026-01-01", None)
    assert consent.agreed_version(person) == 1
    assert consent.agreed_version(people.Person(1, None, "x", "x", None, 3, "x")) == 3
