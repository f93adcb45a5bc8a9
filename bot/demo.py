"""`bondgenoten demo`: the real bot against the built-in sandbox, scene by scene.

No token and no network: a sandbox Bot API server runs on loopback with simulated people, the
real application talks to it over HTTP, and every chat's transcript is printed. Each feature adds
its scene here.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import logs
from bot.app import build_application, running
from bot.sandbox import Sandbox
from bot.settings import load_settings

Scene = Callable[["Cast"], Awaitable[None]]


class Cast:
    """The simulated people of the demo."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.carla = sandbox.add_user("Carla", last_name="de Vries", username="carla_coord")
        self.ahmed = sandbox.add_user("Ahmed", last_name="Benali", language_code="nl")
        self.eve = sandbox.add_user("<b>Eve & Co</b>", language_code="en")


async def stranger_meets_the_bot(cast: Cast) -> None:
    """A stranger opens the bot: what it is, that networks are invite-only, 112 first."""
    await cast.ahmed.send("/start")
    await cast.ahmed.expect("Bondgenoten")
    await cast.ahmed.send("/help")
    await cast.ahmed.expect("/language")
    await cast.ahmed.send("/alert")
    await cast.ahmed.expect("/help")


async def choosing_a_language(cast: Cast) -> None:
    """Eve's app is in English; she switches to Dutch and back with buttons."""
    await cast.eve.send("/start")
    await cast.eve.expect("Welcome")
    await cast.eve.send("/language")
    question = await cast.eve.expect("language")
    await (await cast.eve.press(question, "Nederlands")).answered()
    await cast.sandbox.wait_for(lambda: "Nederlands" in (question.text or ""))
    await cast.eve.send("/help")
    await cast.eve.expect("Wat je hier kunt doen")
    await cast.eve.send("/language en")
    await cast.eve.expect("English")


async def coordinator_overview(cast: Cast) -> None:
    """The coordinator from the configuration gets an overview."""
    await cast.carla.send("/start")
    await cast.carla.expect("coördinator")


async def privacy_and_forgetting(cast: Cast) -> None:
    """Eve reads the privacy notice, sees her data, and deletes it."""
    await cast.eve.send("/privacy")
    await cast.eve.expect("Privacy")
    await cast.eve.send("/mydata")
    await cast.eve.expect("telegram_user_id")
    await cast.eve.send("/forget")
    question = await cast.eve.expect("cannot be undone")
    await (await cast.eve.press(question, "Yes, delete my data")).answered()
    await cast.sandbox.wait_for(lambda: "deleted" in (question.text or ""))
    await cast.eve.send("/mydata")
    await cast.eve.expect('"profile": null')


SCENES: list[tuple[str, Scene]] = [
    ("A stranger meets the bot", stranger_meets_the_bot),
    ("Choosing a language", choosing_a_language),
    ("The coordinator", coordinator_overview),
    ("Privacy: see your data, delete it", privacy_and_forgetting),
]


async def main(*, verbose: bool = False) -> int:
    logs.setup(logging.INFO if verbose else logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bondgenoten-demo-") as folder:
        async with Sandbox(flood_limits=True) as sandbox:
            cast = Cast(sandbox)
            settings = load_settings(
                None,
                telegram={"token": sandbox.token, "base_url": sandbox.base_url, "poll_timeout": 10},
                database={"path": Path(folder) / "demo.sqlite3"},
                access={"coordinators": [cast.carla.id]},
            )
            async with running(build_application(settings)):
                for number, (title, scene) in enumerate(SCENES, start=1):
                    mark = sandbox.mark()
                    await scene(cast)
                    print(f"\n═══ Scene {number}: {title} ═══")
                    print((scene.__doc__ or "").strip())
                    print(sandbox.transcript(since=mark))
    print("\nThe demo ran the real bot against the sandbox: no token, no network.")
    return 0
