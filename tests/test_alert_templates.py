"""Alert templates: in /alert a host copies a pre-agreed text with one tap, pastes it, fills in
the placeholders and sends; a text with a placeholder left is refused, in either language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import BotApplication
from bot.i18n import translator
from domain import alert_templates as templates
from domain.alerts import send_alert
from sandbox import Sandbox, SimMessage, SimUser
from storage import incidents as store
from storage import networks, people
from storage.database import Database
from tests.test_incidents import Noord, _wait_text, approved, db, noord, texts

__all__ = ["db", "noord"]  # fixtures

LABELS_EN = ["📝 Unrest", "📝 Violent crime", "📝 Attack elsewhere", "📝 Missing person"]


# --- the pure functions ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_template_fits_a_copy_button_and_reminds_of_112_and_behaviour(
    language: str,
) -> None:
    _ = translator(language)
    for kind in templates.KINDS:
        text = templates.template(_, kind)
        assert 1 <= len(text) <= templates.COPY_LIMIT, (language, kind, len(text))
        assert "112" in text
        assert templates.placeholders(text), kind
        assert templates.unfilled(text) == templates.placeholders(text)
    looks = {"nl": ("uiterlijk", "eruitzien"), "en": ("looks", "look")}[language]
    for kind in ("unrest", "violent_crime", "attack_elsewhere"):
        assert any(word in templates.template(_, kind) for word in looks), kind


def test_the_dutch_templates_have_dutch_placeholders() -> None:
    nl = translator("nl")
    assert "[plaats]" in templates.template(nl, "unrest")
    assert "[tijd]" in templates.template(nl, "unrest")
    assert "[place]" not in templates.template(nl, "unrest")
    assert templates.template(nl, "unrest") != templates.template(translator("en"), "unrest")


def test_unfilled_placeholders_are_found_in_either_language_and_own_brackets_are_not() -> None:
    assert templates.unfilled("Onrust bij [plaats] sinds [tijd]: [plaats]") == [
        "[plaats]",
        "[tijd]",
    ]
    assert templates.unfilled("Unrest at [Place] since 21:00") == ["[Place]"]
    assert templates.unfilled("Onrust bij de Markt sinds 21:00 [update 22:00]") == []
    assert templates.unfilled("Nothing in brackets here") == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_refusal_names_what_to_fill_in(language: str) -> None:
    _ = translator(language)
    one = templates.unfilled_text(_, ["[tijd]"])
    two = templates.unfilled_text(_, ["[plaats]", "[tijd]"])
    joined = {"nl": "[plaats] en [tijd]", "en": "[plaats] and [tijd]"}[language]
    assert "[tijd]" in one and joined in two and one != two


def test_domain_send_refuses_a_text_with_a_placeholder_left() -> None:
    assert templates.unfilled(templates.template(translator("en"), "missing_person"))


# --- the story through the sandbox -----------------------------------------------------------


async def to_the_text_question(chief: SimUser) -> SimMessage:
    """The chief goes through /alert up to the question for the text."""
    await chief.send("/alert")
    step = await chief.expect("How serious is it?")  # each step edits this message
    await (await chief.press(step, "🟠 Urgent")).answered()
    await _wait_text(step, "May the members share it")
    await (await chief.press(step, "🔒 Network only")).answered()
    await _wait_text(step, "Now type the text of the alert")
    return step


async def test_a_host_copies_a_template_fills_it_in_and_a_placeholder_left_is_refused(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord
) -> None:
    chief, fatima, group = noord.chief, noord.fatima, noord.group
    step = await to_the_text_question(chief)
    assert "Or start from a template" in (step.text or "")
    assert step.button_texts() == [*LABELS_EN, "Cancel"]
    copied = await chief.copy(step, "📝 Unrest")
    assert copied == templates.template(translator("en"), "unrest")  # the sender's language

    before = len(texts(fatima.private_chat)), len(texts(group))
    await chief.send(copied.replace("[place]", "the market square"))
    refusal = await chief.expect("Fill in")
    assert "[time] and [what is happening]" in (refusal.text or "")
    assert "[place]" not in (refusal.text or "") and "Nothing was sent" in (refusal.text or "")
    assert await store.latest(db) == []  # nothing half-sent
    assert (len(texts(fatima.private_chat)), len(texts(group))) == before

    filled = (
        copied.replace("[place]", "the market square")
        .replace("[time]", "21:00")
        .replace("[what is happening]", "a crowd is gathering")
    )
    await chief.send(filled)
    preview = await chief.expect("Preview")
    assert "a crowd is gathering" in (preview.text or "")
    await (await chief.press(preview, "📤 Send")).answered()
    alert = await fatima.expect("a crowd is gathering")
    assert "Call 112" in (alert.text or "")


async def test_a_dutch_host_gets_dutch_templates_and_an_english_one_left_unfilled_is_refused(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord, coordinator: SimUser
) -> None:
    wim = noord.alderman
    await people.set_language(db, wim.id, "nl", datetime.now(UTC))
    await wim.send("/alert")
    step = await wim.expect("Hoe ernstig")
    await (await wim.press(step, step.buttons[0][1].text)).answered()  # urgent
    await _wait_text(step, "delen")
    await (await wim.press(step, step.buttons[0][0].text)).answered()  # network only
    await _wait_text(step, "[ ]")
    assert step.buttons[0][0].text == "📝 Onrust"
    copied = await wim.copy(step, "📝 Vermissing")
    assert "[naam]" in copied and "112" in copied
    await wim.send(templates.template(translator("en"), "missing_person"))
    refusal = await wim.expect("Vul eerst")
    assert "[time], [name], [age], [place] en [clothing]" in (refusal.text or "")
    await wim.send("/alert Noord Onrust bij de Markt sinds [tijd].")
    refusal = await wim.expect("[tijd]")
    assert "Vul eerst" in (refusal.text or "")
    assert await store.latest(db) == []


async def test_only_who_may_alert_sees_the_templates(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord, coordinator: SimUser
) -> None:
    zuid = await networks.create(db, "Zuid", None, coordinator.id, datetime.now(UTC))
    other_member, other_host, stranger = (
        sandbox.add_user(n, language_code="en") for n in ("Olga", "Henk", "Sam")
    )
    await approved(db, zuid.id, other_member, "key_figure", coordinator.id)
    await approved(db, zuid.id, other_host, "police_chief", coordinator.id)
    stranger.started = True
    for person in (stranger, other_member, noord.fatima):
        await person.send("/alert")
        answer = await person.expect()
        assert "Sorry, only" in (answer.text or ""), person.first_name
        assert not any("📝" in t for t in texts(person.private_chat))
    # Who may alert somewhere sees them: the host (for their own network) and the hosts here.
    for host in (other_host, noord.chief):
        step = await to_the_text_question(host)
        assert step.button_texts()[:4] == LABELS_EN


async def test_the_domain_refuses_to_send_a_placeholder(
    app: BotApplication, db: Database, noord: Noord
) -> None:
    from bot import services

    svc = services.of(app)
    with pytest.raises(ValueError, match="placeholders"):
        await send_alert(
            svc, noord.chief.id, [noord.network.id], "info", "network_only", "At [place]"
        )
    assert await store.latest(db) == []
