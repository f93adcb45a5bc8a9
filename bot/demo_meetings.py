"""The meal-meeting scene of `bondgenoten demo` (added to `bot.demo.SCENES`)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sandbox import SimMessage, SimUser

if TYPE_CHECKING:
    from bot.demo import Cast


async def _tap(user: SimUser, message: SimMessage, starts: str) -> None:
    label = next(b.text for row in message.buttons for b in row if b.text.startswith(starts))
    await (await user.press(message, label)).answered()


async def _days_pass(cast: Cast, days: int, what: str) -> None:
    """Jump the bot's clock ahead and let the scheduler run the meeting steps that fell due."""
    assert cast.application is not None and cast.application.job_queue is not None
    cast.clock.advance(timedelta(days=days))
    cast.say(f"  ⏩ {what}")
    for job in cast.application.job_queue.jobs():
        if job.name and job.name.startswith("meeting-"):
            await job.run(cast.application)


async def meal_meeting(cast: Cast) -> None:
    """The police chief plans a meal meeting at the police station. The count with answer
    buttons goes out; Ahmed and Karin answer in the group (which sees only the numbers), Wim
    forgets and is reminded, then answers privately. At the
    deadline Karin gets the headcount with the diets. After the meal she confirms who came and
    records an action for Ahmed, who is reminded and marks it done."""
    karin, ahmed, wim = cast.karin, cast.ahmed, cast.wim
    day = (cast.clock.now() + timedelta(days=30)).date()
    await karin.send("/meeting")
    await karin.expect("🗓")
    await karin.send(f"{day.day}-{day.month} 19:00")
    await _tap(karin, await karin.expect("📍"), "🚓")
    await karin.expect(None)
    await karin.send("Johan van Hasseltweg 1, Amsterdam | 52.3935, 4.9190")
    await karin.expect("🥘")
    await karin.send("Surinaams buffet")
    await _tap(karin, await karin.expect(None), "✅")
    await karin.expect("✅")

    await _days_pass(cast, 10, "ten days later: three weeks before the meeting")
    count = await cast.group.expect("🍽")
    await _tap(ahmed, count, "✅")
    await _tap(karin, count, "✅")
    await ahmed.expect("🍽")
    await _days_pass(cast, 0, "a moment later: the count in the group shows both")

    await _days_pass(cast, 14, "two weeks later: a week before")
    reminder = await wim.expect("⏰")
    await cast.group.expect("⏰")  # a fresh count at the bottom: numbers, no names
    await _tap(wim, reminder, "🤔")
    await ahmed.send("/topic Jongeren op het plein 's avonds")
    await _tap(ahmed, await ahmed.expect("👤"), "🕶")
    await ahmed.expect("📝")

    await _days_pass(cast, 4, "four days later: the deadline")
    await karin.expect("📋")  # the headcount with the diets

    await _days_pass(cast, 2, "two days later: the day of the meal")
    await ahmed.expect("👋")  # time, place and agenda, and the venue on the map
    await _days_pass(cast, 1, "the evening of the meal has passed")
    who = await karin.expect("🙏")
    await _tap(karin, who, "💾")
    await karin.send("/action Huiswerkbegeleiding in het buurthuis opzetten")
    await _tap(karin, await karin.expect("👤"), "Ahmed")
    await _tap(karin, await karin.expect("📅"), "")
    await ahmed.expect("📌")

    await _days_pass(cast, 8, "eight days later: a week before it is due")
    reminded = await ahmed.expect("⏰")
    await _tap(ahmed, reminded, "✅")
    await karin.expect("✅")
