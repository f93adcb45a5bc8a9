"""One simulated world for the training ground: the sandbox, its people, the running bot.

`World.open()` builds it the way `bondgenoten demo` does (a fresh database in a temporary
folder, the real application over HTTP against the sandbox, a clock that can jump ahead);
`close()` takes it down again. A reset is a close and a new `World`: nothing of the old one
stays, not even a file.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import services
from bot.app import build_application, running
from bot.demo_cast import Cast, settle
from bot.demo_whatsapp import WIM_PHONE, whatsapp_beside
from bot.jobs import JobScheduler
from bot.settings import load_settings
from domain.ports import Step
from sandbox import Sandbox, SimChat, SimUser
from wa_sandbox import WaUser
from whatsapp.dispatcher import WaDispatcher

log = logging.getLogger("bondgenoten.trainer")

# Nothing planned further ahead than this is "the next step" (a retention run a year away).
HORIZON = timedelta(days=120)
# A step's moment, and a minute more: what fell due at it has surely run.
PAST_IT = timedelta(minutes=1)
# Steps taken one by one in one move of the clock; more (a day of a busy network) run together.
STEPS_AT_MOST = 50


@dataclass(frozen=True)
class Person:
    """A phone on the page: whose it is and the role they play in the story."""

    key: str
    role: str  # police_chief / municipality / key_figure / coordinator
    user: SimUser


@dataclass(frozen=True)
class WaPhone:
    """The phone with WhatsApp on it: a key figure's (`owner`, a Telegram phone's key) who
    reaches the bot on WhatsApp once linked, and whose network then reaches him there."""

    key: str
    owner: str
    role: str
    user: WaUser


class TrainerCast(Cast):
    """The demo's people, and a municipality contact: Femke, the gemeente's co-host."""

    def __init__(self, sandbox: Sandbox, language: str) -> None:
        super().__init__(sandbox)
        self.femke = sandbox.add_user("Femke", last_name="Visser", language_code=language)
        for user in (self.carla, self.ahmed, self.karin, self.wim, self.emma, self.mallory):
            user.language_code = language

        self.wim_wa: WaUser | None = None  # Wim's WhatsApp, once the WhatsApp sandbox runs

    def people(self) -> list[Person]:
        return [
            Person("karin", "police_chief", self.karin),
            Person("femke", "municipality", self.femke),
            Person("ahmed", "key_figure", self.ahmed),
            Person("wim", "key_figure", self.wim),
            Person("emma", "key_figure", self.emma),
            Person("carla", "coordinator", self.carla),
        ]


async def settled(cast: Cast) -> None:
    """Both channels quiet: Telegram's chats, the WhatsApp outbox, its statuses and webhooks."""
    svc = services.of(cast.app)
    for _round in range(3):  # a webhook handled may queue more, which may bring a webhook
        await settle(cast)
        if isinstance(svc.whatsapp, WaDispatcher):
            await svc.whatsapp.idle()
        if cast.wa is not None:
            await cast.wa.idle(timeout=60)
        if svc.wa_webhook is not None:
            await svc.wa_webhook.idle()


class PlanningScheduler(JobScheduler):
    """The bot's scheduler, remembering when each planned step falls due on the bot's clock:
    the clock control's "next step" jumps to the first of them."""

    def __init__(self, old: JobScheduler) -> None:
        super().__init__(old.job_queue, old.clock)
        self._planned = old._planned
        self.due: dict[str, datetime] = {}

    def at(self, name: str, when: datetime, step: Step, data: int) -> None:
        if not self.planned(name):
            self.due[name] = when
        super().at(name, when, step, data)

    def next_due(self, now: datetime) -> datetime | None:
        upcoming = [
            when
            for name, when in self.due.items()
            if self.planned(name) and now < when < now + HORIZON
        ]
        return min(upcoming, default=None)


class World:
    """The sandbox, the people and the bot, running until `close`."""

    def __init__(self, *, language: str = "nl", realistic_pace: bool = True) -> None:
        self.language = language
        self.realistic_pace = realistic_pace
        self._stack = contextlib.AsyncExitStack()
        self.sandbox = Sandbox(flood_limits=realistic_pace)
        self.cast = TrainerCast(self.sandbox, language)
        self.people = self.cast.people()
        self.group: SimChat = self.cast.group
        self.scheduler: PlanningScheduler | None = None
        self.whatsapp: WaPhone | None = None

    async def open(self) -> World:
        stack = self._stack
        try:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bondgenoten-try-"))
            await stack.enter_async_context(self.sandbox)
            sandbox = self.sandbox
            # WhatsApp's sandbox beside Telegram's, on the same clock (its 24-hour window moves
            # with the clock control), as `bondgenoten demo` runs it.
            whatsapp = await stack.enter_async_context(whatsapp_beside(self.cast))
            assert self.cast.wa is not None
            self.cast.wim_wa = self.cast.wa.user("Wim de Boer", phone=WIM_PHONE)
            self.whatsapp = WaPhone("wim_wa", "wim", "key_figure", self.cast.wim_wa)
            settings = load_settings(
                None,
                telegram={
                    "token": sandbox.token,
                    "base_url": sandbox.base_url,
                    "poll_timeout": 10,
                    "flood_limits": self.realistic_pace,
                },
                database={"path": Path(folder) / "training.sqlite3"},
                access={"coordinators": [self.cast.carla.id]},
                whatsapp=whatsapp,
            )
            self.cast.application = build_application(settings, clock=self.cast.clock)
            await stack.enter_async_context(running(self.cast.application))
        except BaseException:
            await stack.aclose()
            raise
        svc = services.of(self.cast.app)
        assert isinstance(svc.scheduler, JobScheduler)
        self.scheduler = PlanningScheduler(svc.scheduler)
        svc.scheduler = self.scheduler
        return self

    async def close(self) -> None:
        await self._stack.aclose()

    # ---- who is who ----
    def person(self, key: str) -> Person | None:
        return next((p for p in self.people if p.key == key), None)

    def in_group(self, person: Person) -> bool:
        return person.user.in_chat(self.group.resolve()) in ("creator", "administrator", "member")

    @property
    def tz(self) -> Any:
        return services.of(self.cast.app).settings.bot.tz

    # ---- time ----
    def now(self) -> datetime:
        return self.cast.clock.now()

    async def forward(self, delta: timedelta) -> None:
        """The bot's clock `delta` ahead, as after a real wait: through each step the bot
        planned on the way (a reminder, then the call list it plans after it), and at the end,
        every job run once; each looks at what fell due itself."""
        target = self.now() + delta
        for _step in range(STEPS_AT_MOST):
            when = self.next_step()
            if when is None or when + PAST_IT > target:
                break
            await self._jump(when + PAST_IT - self.now())
        await self._jump(target - self.now())

    async def _jump(self, delta: timedelta) -> None:
        await settled(self.cast)
        self.cast.clock.advance(max(delta, timedelta(0)))
        app = self.cast.app
        assert app.job_queue is not None
        for job in list(app.job_queue.jobs()):
            await job.run(app)
        outbox = services.of(app).whatsapp
        if isinstance(outbox, WaDispatcher):
            outbox.wake()  # what waited for the clock (its pacing, the window) looks again
        await settled(self.cast)

    def next_step(self) -> datetime | None:
        """When the first step the bot planned falls due (None: nothing planned)."""
        assert self.scheduler is not None
        return self.scheduler.next_due(self.now())

    async def to_next_step(self) -> datetime | None:
        """Just past the next planned step; None (the clock unmoved) when nothing is planned."""
        when = self.next_step()
        if when is None:
            return None
        await self.forward(when + PAST_IT - self.now())
        return when
