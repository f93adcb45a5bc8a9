"""The meal-meeting scene of `bondgenoten demo` (added to `bot.demo.SCENES`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot import services
from bot.demo_cast import Cast, button, settle, tap, until
from domain import meetings as rules
from sandbox import SimMessage

POLICE_STATION = (52.3935, 4.9190)  # Politiebureau Noord, Johan van Hasseltweg


def a_month_ahead(cast: Cast, asked: SimMessage) -> date:
    """The first day on offer at least four weeks from now (the buttons hold eight weeks)."""
    soon = cast.clock.now().date() + timedelta(days=28)
    days = [
        date.fromisoformat(b.callback_data.removeprefix("mtg:day:"))
        for row in asked.buttons
        for b in row
        if b.callback_data and b.callback_data.startswith("mtg:day:")
    ]
    return next((d for d in days if d >= soon), days[-1])


async def meal_meeting(cast: Cast) -> None:
    """The police chief plans a meal meeting at the police station with buttons and her
    location. Three weeks before, a count with answer buttons goes to the group; Ahmed answers
    there (the group sees only numbers), Wim forgets and is reminded, then answers privately.
    At the deadline Karin gets the headcount with the diets. After the meal she confirms who
    came and records an action for Ahmed, who is reminded and marks it done."""
    karin, ahmed, wim = cast.karin, cast.ahmed, cast.wim
    tz = services.of(cast.app).settings.bot.tz
    await karin.send("/meeting")
    asked = await karin.expect("🗓")  # date buttons on the usual weekday, holidays left out
    day = a_month_ahead(cast, asked)
    await tap(karin, asked, data=f"^mtg:day:{day:%Y%m%d}$")
    await tap(karin, await karin.expect("🕖"), data="^mtg:time:1900$")
    await tap(karin, await karin.expect("📍"), "🚓")
    await karin.expect("📍")  # where is it? with the location button
    cast.say("  📍 Karin is at the police station and taps the location button")
    await karin.send_location(*POLICE_STATION, via_button=True)
    await karin.expect("📍")  # got it
    await karin.expect(None)  # and its address?
    await karin.send("Johan van Hasseltweg 1, Amsterdam")
    await karin.expect("Johan van Hasseltweg")
    await karin.expect("🥘")
    await karin.send("Surinaams buffet")
    summary = await karin.expect("Surinaams buffet")
    while not summary.buttons:  # the venue on the map comes first, then the summary
        summary = await karin.expect(None)
    await tap(karin, summary, "✅")
    await karin.expect("✅")

    starts_at = rules.local(day, time(19, 0), tz)
    steps = rules.timeline(starts_at, cast.clock.now(), tz)
    await until(cast, steps[rules.Step.poll], "three weeks before the meeting", "meeting-")
    count = await cast.group.expect("🍽")
    await ahmed.expect("🍽")
    invitation = await karin.expect("🍽")
    await settle(cast)
    await tap(ahmed, count, "✅")  # in the group: only he sees what he chose
    await tap(karin, invitation, "✅")  # in her private chat
    await settle(cast)  # the count in the group follows both answers

    await until(cast, steps[rules.Step.remind], "two weeks later: a week before", "meeting-")
    reminder = await wim.expect("⏰")
    await settle(cast)
    await tap(wim, reminder, "🤔")
    await ahmed.send("/topic Jongeren op het plein 's avonds")
    await tap(ahmed, await ahmed.expect("👤"), "🕶")
    await ahmed.expect("📝")

    await until(cast, steps[rules.Step.deadline], "four days later: the deadline", "meeting-")
    await karin.expect("📋")  # the headcount with the diets
    await until(cast, steps[rules.Step.day_before], "the day before the meal", "meeting-")
    await ahmed.expect("👋")  # time, place and agenda, and the venue on the map
    await until(cast, steps[rules.Step.follow_up], "the evening of the meal", "meeting-")
    who = await karin.expect("🙏")
    await tap(karin, who, "💾")
    await karin.send("/action Huiswerkbegeleiding in het buurthuis opzetten")
    await tap(karin, await karin.expect("👤"), "Ahmed")
    due = await karin.expect("📅")
    in_two_weeks = button(due, data="^act:due:")  # the first choice: in two weeks
    await tap(karin, due, data=f"^{in_two_weeks.callback_data}$")
    await ahmed.expect("📌")

    assert in_two_weeks.callback_data is not None
    due_on = date.fromisoformat(in_two_weeks.callback_data.removeprefix("act:due:"))
    reminders = rules.action_timeline(due_on, cast.clock.now(), tz)
    week_before: datetime = reminders[rules.ActionStep.week_before]
    await until(cast, week_before, "a week before the action is due", "meeting-")
    reminded = await ahmed.expect("⏰")
    await tap(ahmed, reminded, "✅")
    await karin.expect("✅")
