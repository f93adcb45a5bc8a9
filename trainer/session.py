"""The training ground's state between requests: the world, what was played, what plays now.

One world at a time. A scenario plays in the background (the page follows it live); while it
plays, the clock and other scenarios wait, and a reset stops it. Everything the trainer did is
in a short log, kept as message ids and values and translated when shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from trainer import scenarios
from trainer.scenarios import N_, Scenario, Step
from trainer.world import World, settled

log = logging.getLogger("bondgenoten.trainer")

LOG_KEPT = 40


class Busy(Exception):
    """Something else changes the world right now (a scenario plays, or a reset runs)."""


@dataclass
class Playing:
    scenario: Scenario
    step: Step | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Note:
    """A line of the trainer's log: a msgid and its values (times as datetimes)."""

    msgid: str
    values: dict[str, Any]


class Session:
    def __init__(self, *, language: str = "nl", realistic_pace: bool = True) -> None:
        self.language = language
        self.realistic_pace = realistic_pace
        self.world: World | None = None
        self.played: set[str] = set()
        self.playing: Playing | None = None
        self.failed: Note | None = None
        self.notes: list[Note] = []
        self._changing = False

    # ---- the world's life ----
    async def start(self) -> None:
        self.world = await World(language=self.language, realistic_pace=self.realistic_pace).open()

    async def stop(self) -> None:
        await self._stop_playing()
        world, self.world = self.world, None
        if world is not None:
            await world.close()

    async def reset(self, language: str | None = None) -> None:
        """A clean world: the scenario playing stopped, the bot, its database and every chat
        replaced. `language`: the simulated phones' app language from now on."""
        if self._changing:
            raise Busy
        self._changing = True
        try:
            await self.stop()
            if language is not None:
                self.language = language
            self.played, self.failed, self.notes = set(), None, []
            await self.start()
            self.note(N_("A clean world: nobody has met the bot yet."))
        finally:
            self._changing = False

    @property
    def busy(self) -> bool:
        """A scenario plays, the clock moves or a reset runs: the controls wait."""
        return self.playing is not None or self._changing

    @property
    def current(self) -> World:
        if self.world is None or self._changing:
            raise Busy
        return self.world

    def note(self, msgid: str, **values: Any) -> None:
        self.notes = [*self.notes[-(LOG_KEPT - 1) :], Note(msgid, values)]

    # ---- scenarios ----
    def play(self, scenario: Scenario, *, everything: bool) -> None:
        """Plays the next step of `scenario` (its needs first), or (`everything`) all of them,
        in the background."""
        world = self.current
        if self.playing is not None:
            raise Busy
        steps = scenarios.plan(scenario, self.played)
        if not everything:
            steps = steps[:1]
        self.failed = None
        self.playing = Playing(scenario)
        self.playing.task = asyncio.create_task(
            self._play(world, steps), name=f"trainer-{scenario.key}"
        )

    async def _play(self, world: World, steps: list[Step]) -> None:
        assert self.playing is not None
        cast = world.cast
        try:
            if not steps:
                self.note(
                    N_("“{scenario}” was played to its end: reset for a clean world."),
                    scenario=self.playing.scenario.title,
                )
            for step in steps:
                self.playing.step = step
                cast.seen_all()  # the step waits for what comes after it starts
                cast.mark = world.sandbox.mark()
                await step.play(cast)
                await settled(cast)
                owner = scenarios.owner_of(step)
                self.played.add(scenarios.step_id(owner, step))
                self.note(N_("Played: {step}"), step=step.title)
        except asyncio.CancelledError:
            raise
        except Exception:
            failed = self.playing.step
            log.exception("training ground: step %r went wrong", failed.key if failed else None)
            title = failed.title if failed is not None else self.playing.scenario.title
            self.failed = Note(
                N_(
                    "“{step}” did not go as the scenario expects (the world was perhaps changed "
                    "by hand). Reset for a clean world and play it again."
                ),
                {"step": title},
            )
            self.notes.append(self.failed)
        finally:
            self.playing = None

    async def _stop_playing(self) -> None:
        playing = self.playing
        if playing is not None and playing.task is not None:
            playing.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await playing.task
        self.playing = None

    async def wait_played(self) -> None:
        """Until the scenario playing now (if any) is done (for tests and `all at once`)."""
        playing = self.playing
        if playing is not None and playing.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(playing.task)

    # ---- the clock ----
    async def forward(self, delta: timedelta) -> datetime:
        world = self.current
        if self.playing is not None:
            raise Busy
        self._changing = True
        try:
            await world.forward(delta)
        finally:
            self._changing = False
        self.note(N_("The clock moved ahead to {moment}."), moment=world.now())
        return world.now()

    async def to_next_step(self) -> datetime | None:
        world = self.current
        if self.playing is not None:
            raise Busy
        self._changing = True
        try:
            when = await world.to_next_step()
        finally:
            self._changing = False
        if when is not None:
            self.note(N_("The clock moved ahead to the next planned step, {moment}."), moment=when)
        return when
