"""The "network health" scene of `bondgenoten demo` (added to `bot.demo.SCENES`): /stats as
pictures, written to a folder a person can open.

It runs after the meal meeting and the scenes between incidents, so Noord has a little of
everything from the demo itself: an alert at night and one during an outage, a meal meeting whose
attendance Karin confirmed, an action Ahmed did on time, a closed mood pulse. That alone makes
thin charts; so the scene first fills in a year of history before the demo's days
(`bot.demo_history`), and says so in the output.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.demo_cast import Cast, settle
from bot.demo_history import fill_in_a_year

# Where the pictures go: under the checkout's build/ (which git ignores), so they outlive the
# demo's temporary database and a person can open them after `make demo`.
PICTURES = Path("build") / "demo"
LAST = re.compile(r"· (afgesproken acties|agreed actions)")  # the last picture's caption


async def network_health(cast: Cast) -> None:
    """A year of history is filled in for the demo first (meal meetings, alerts, pulses and
    actions from before the demo's days). Then Karin, the police chief, asks /stats Noord and
    gets the network's year as pictures: who came to the meal meetings (also member by member:
    for the police chief and the municipality only), how fast each alert was seen and whether
    the network got faster, the moods of the pulses and the agreed actions, each with its
    numbers in the caption. The demo saves the
    pictures so you can look at them."""
    chat = cast.karin.private_chat
    start = len(chat.messages)
    await a_year_in_pictures(cast)
    folder = PICTURES.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("stats-noord-*.png"):
        old.unlink()
    photos = [m for m in chat.messages[start:] if m.photo is not None and m.file is not None]
    written = []
    for number, photo in enumerate(photos, start=1):
        path = folder / f"stats-noord-{number}.png"
        path.write_bytes(photo.file or b"")
        written.append(path)
    cast.say(
        f"  🖼 The {len(written)} pictures Karin got are saved; open them on this computer:\n"
        + "\n".join(f"  {path}" for path in written)
    )


async def a_year_in_pictures(cast: Cast) -> None:
    """Noord's year filled in (and said so), then Karin's /stats Noord and its pictures: the
    scene without saving them (the training ground shows them in Karin's phone)."""
    karin = cast.karin
    filled = await fill_in_a_year(cast, "Noord")
    cast.say(
        "  📜 A year of history, filled in for the demo (not sent to anyone now): before the"
        f" demo's days Noord held {filled.meetings} meal meetings with who came ticked, had"
        f" {filled.alerts} alerts with when each member saw them, {filled.pulses} mood pulses and"
        f" {filled.actions} agreed actions ({filled.late} done late, {filled.open} still open)."
    )
    await karin.send("/stats Noord")
    await karin.expect(LAST)
    await settle(cast)  # a line for what has no numbers follows the pictures
