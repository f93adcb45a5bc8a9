"""/start and /help say who the bot is for and what this person can do, in Dutch that reads as
Dutch: a stranger learns how to get in, someone the bot knows is welcomed back (and only they),
a member counts their networks the way people count."""

from __future__ import annotations

from bot.app import BotApplication
from sandbox import Sandbox, SimUser
from tests.test_networks import a_member, a_network, in_english


async def test_a_stranger_gets_a_short_welcome_with_the_next_step_and_112(
    app: BotApplication, sandbox: Sandbox
) -> None:
    ahmed = sandbox.add_user("Ahmed", language_code="nl")
    await ahmed.send("/start")
    welcome = await ahmed.expect("Welkom bij Bondgenoten, Ahmed!")
    assert "kennismakingsgesprek" in welcome.text  # the one story of how you get in
    assert "persoonlijke link" in welcome.text
    assert "112" in welcome.text
    assert "terug" not in welcome.text
    assert len(welcome.text) < 400  # a phone screen, not a leaflet


async def test_welcome_back_only_for_someone_the_bot_knows(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    # A coordinator from the configuration who never talked to the bot: a first contact.
    await coordinator.send("/start")
    first = await coordinator.expect("coördinator")
    assert first.text.startswith("Hallo Carla.")
    assert "Welkom terug" not in first.text
    # Once the bot keeps something about her (her language), she returns.
    await coordinator.send("/language nl")
    await coordinator.expect("Vanaf nu praat ik Nederlands met je.")
    await coordinator.send("/start")
    again = await coordinator.expect("coördinator")
    assert again.text.startswith("Welkom terug, Carla.")


async def test_a_member_counts_networks_as_people_do_and_sees_profile_in_help(
    app: BotApplication, sandbox: Sandbox
) -> None:
    noord, zuid = await a_network(app, "Noord"), await a_network(app, "Zuid")
    eva = sandbox.add_user("Eva", language_code="nl")
    await a_member(app, noord, eva, "key_figure", "Eva")
    await eva.send("/start")
    one = await eva.expect("Je zit in één netwerk.")
    assert one.text.startswith("Welkom terug, Eva.")  # she applied through the bot
    assert "/profile" in one.text
    await a_member(app, zuid, eva, "key_figure", "Eva")
    await eva.send("/start")
    await eva.expect("Je zit in 2 netwerken.")

    await eva.send("/help")
    help_text = (await eva.expect("Wat je hier kunt doen")).text
    assert "/profile – je gegevens bekijken en aanpassen" in help_text
    assert "/alert" not in help_text  # a key figure does not send alerts


async def test_help_for_a_stranger_tells_the_way_in_without_profile(
    app: BotApplication, sandbox: Sandbox
) -> None:
    mo = sandbox.add_user("Mo", language_code="en")
    await in_english(mo)
    await mo.send("/help")
    help_text = (await mo.expect("What you can do here")).text
    assert "/profile" not in help_text and "/leave" not in help_text
    assert "after a one-to-one conversation" in help_text
    assert "Emergency? Call 112." in help_text
