"""The scenarios a trainer plays, step by step or all at once, built from the demo's scenes.

Each step is a scene of `bondgenoten demo` (or one written here for the training ground's extra
person, the municipality contact): it drives the same simulated people through the same real
bot. A scenario that needs a network (an incident, a meal meeting) first plays the onboarding
steps not played yet. A step that finds the world other than it expects (someone changed it
by hand) fails with a clear line; a reset gives a clean world.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.demo import (
    a_key_figure_joins,
    a_network_is_set_up,
    ahmed_answers_the_alert,
    approve_and_join,
    intake,
    the_alert_is_followed_up_and_closed,
    the_alert_is_sent,
    the_group_chat_is_linked,
    the_police_chief_joins,
    wim_does_not_react,
    wim_joins,
)
from bot.demo_between import between_incidents
from bot.demo_cast import Cast, code_in, tap
from bot.demo_health import a_year_in_pictures
from bot.demo_meetings import meal_meeting
from trainer.wa_steps import an_alert_on_both_channels, wim_moves_to_whatsapp
from trainer.world import TrainerCast


def N_(msgid: str) -> str:
    """Marks a text for the catalogs; it is translated where it is shown."""
    return msgid


async def the_municipality_joins(cast: Cast) -> None:
    """The coordinator invites Femke of the municipality, the network's co-host, with a
    button; after her intake the coordinator approves her and she joins the group."""
    assert isinstance(cast, TrainerCast)
    carla, femke = cast.carla, cast.femke
    await carla.send("/invite")
    await tap(carla, await carla.expect(None), data=r":municipality$")
    code = code_in(await carla.expect("t.me"))
    await intake(cast, femke, code, "Gemeente Amsterdam, stadsdeel Noord", "de hele wijk")
    await approve_and_join(cast, carla, femke)


@dataclass(frozen=True)
class Step:
    key: str
    title: str  # a msgid
    play: Callable[[Cast], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str  # a msgid
    what: str  # a msgid: what the trainer will see
    steps: tuple[Step, ...]
    needs: tuple[str, ...] = ()  # scenarios played before it (their steps not yet played)


ONBOARDING = Scenario(
    "onboarding",
    N_("Onboarding a network"),
    N_(
        "The coordinator sets up the network Noord, links the group chat and invites the police "
        "chief and the municipality; the chief invites two key figures. Each fills in the "
        "application, is approved and joins the group."
    ),
    (
        Step("network", N_("The coordinator sets up the network"), a_network_is_set_up),
        Step("group", N_("The group chat is linked"), the_group_chat_is_linked),
        Step("chief", N_("The police chief joins"), the_police_chief_joins),
        Step("municipality", N_("The municipality joins"), the_municipality_joins),
        Step("ahmed", N_("Ahmed, a key figure, joins"), a_key_figure_joins),
        Step("wim", N_("Wim, a key figure, joins"), wim_joins),
    ),
)
INCIDENT = Scenario(
    "incident",
    N_("An incident at night"),
    N_(
        "The police chief alerts the network after a stabbing. Ahmed acknowledges and reports "
        "the mood; Wim does not react, is reminded, and lands on the call list; the chief "
        "follows up and closes the incident."
    ),
    (
        Step("alert", N_("The police chief sends an alert"), the_alert_is_sent),
        Step("answer", N_("Ahmed acknowledges and tells the mood"), ahmed_answers_the_alert),
        Step("silent", N_("Wim does not react: reminded, then called"), wim_does_not_react),
        Step("close", N_("A follow-up, and the alert closed"), the_alert_is_followed_up_and_closed),
    ),
    needs=("onboarding",),
)
MEAL = Scenario(
    "meal",
    N_("A meal-meeting cycle"),
    N_(
        "The police chief plans a meal at the police station; the count, the reminder, the "
        "headcount with diets, the day before, attendance and an agreed action follow on the "
        "bot's clock."
    ),
    (Step("meal", N_("A meal meeting, from plan to agreed action"), meal_meeting),),
    needs=("onboarding",),
)
BETWEEN = Scenario(
    "between",
    N_("Between incidents"),
    N_(
        "Life between incidents: a signal that is not an emergency, a rumour answered, the "
        "mood in the neighbourhood, and who can help."
    ),
    (Step("between", N_("Between incidents"), between_incidents),),
    needs=("onboarding",),
)
HEALTH = Scenario(
    "health",
    N_("The network's year in pictures"),
    N_(
        "A year of history is filled in first (meal meetings, alerts, mood pulses and agreed "
        "actions from before today; nothing is sent). Then the police chief asks /stats and "
        "gets the network's year as charts, each with its numbers in the caption."
    ),
    (Step("stats", N_("The police chief asks /stats"), a_year_in_pictures),),
    needs=("onboarding",),
)
WHATSAPP = Scenario(
    "whatsapp",
    N_("On WhatsApp and Telegram"),
    N_(
        "Wim would rather get Noord's alerts on WhatsApp: from his /profile he sends a one-time "
        "code to the bot's WhatsApp number. The police chief's next alert reaches him there, "
        "with the same buttons, and his tap counts in her status."
    ),
    (
        Step("link", N_("Wim moves to WhatsApp"), wim_moves_to_whatsapp),
        Step("alert", N_("An alert on both channels"), an_alert_on_both_channels),
    ),
    needs=("onboarding",),
)
SCENARIOS: tuple[Scenario, ...] = (ONBOARDING, INCIDENT, MEAL, BETWEEN, HEALTH, WHATSAPP)


def scenario(key: str) -> Scenario | None:
    return next((s for s in SCENARIOS if s.key == key), None)


def plan(wanted: Scenario, played: set[str]) -> list[Step]:
    """The steps still to play for `wanted`: those of what it needs first, then its own.
    A step is known by its scenario and its key ("onboarding/chief")."""
    steps: list[Step] = []
    for key in (*wanted.needs, wanted.key):
        found = scenario(key)
        assert found is not None, key
        steps += [s for s in found.steps if step_id(found, s) not in played]
    return steps


def step_id(owner: Scenario, step: Step) -> str:
    return f"{owner.key}/{step.key}"


def owner_of(step: Step) -> Scenario:
    return next(s for s in SCENARIOS if step in s.steps)
