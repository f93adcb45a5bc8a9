"""The demo's people and what they do with their phones: press buttons, wait for the bot to
finish talking, let time pass, and look at their menu (for `bot.demo`'s scenes)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from bot import services
from bot.app import BotApplication
from bot.clock import SkippingClock
from bot.ratelimit import FloodLimiter
from sandbox import Sandbox, SimButton, SimMessage, SimUser
from wa_sandbox import WaSandbox

INVITE_CODE = re.compile(r"start=([A-Za-z0-9_-]+)")
# Jobs that edit what was sent a few seconds after the change (counts, application cards):
# a scene is not over while one of them is about to run.
EDITING_JOBS = ("meeting-counts", "application-cards")
SOON = timedelta(seconds=20)
# The job that brings senders' status messages up to date every few seconds: a scene runs it
# once more before it ends, so a status changed at its end is shown in it.
STATUS_JOB = "incident-status"


class Cast:
    """The simulated people of the demo, and the network's group chat."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.carla = sandbox.add_user("Carla", last_name="de Vries", username="carla_coord")
        self.ahmed = sandbox.add_user("Ahmed", last_name="Benali", language_code="nl")
        self.emma = sandbox.add_user("Emma", last_name="Jansen", language_code="en")
        self.karin = sandbox.add_user("Karin", last_name="Smit", language_code="nl")
        self.mallory = sandbox.add_user("Mallory", username="mallory", language_code="nl")
        self.wim = sandbox.add_user("Wim", last_name="de Boer", language_code="nl")
        self.group = sandbox.add_group("Wijk Noord", members=[self.carla], admins=[self.carla])
        self.invites: dict[str, str] = {}
        self.clock = SkippingClock()
        self.application: BotApplication | None = None
        self.wa: WaSandbox | None = None  # WhatsApp's sandbox, beside Telegram's (demo_whatsapp)
        self.mark = 0  # where the current scene's transcript starts
        self.notes: list[tuple[int, str]] = []  # narration, at its place in the timeline
        self.left_out: list[tuple[int, int]] = []  # stretches of the timeline not printed

    @property
    def app(self) -> BotApplication:
        assert self.application is not None
        return self.application

    def leave_out(self, since: int, note: str) -> None:
        """Print `note` instead of what happened from marker `since` until now (a story the
        demo told before, such as a second intake)."""
        self.left_out.append((since, self.sandbox.mark()))
        self.notes.append((since, note))

    def seen_all(self) -> None:
        """Everyone has read their chats: the next `expect` waits for what comes next."""
        for chat in self.sandbox.chats.values():
            chat.cursor = len(chat.messages)

    def say(self, text: str) -> None:
        """A line of narration between the chats' events, shown where it happened."""
        first, *more = text.split("\n")
        self.notes.append((self.sandbox.mark(), "\n".join([first, *("     " + m for m in more)])))


# --- buttons --------------------------------------------------------------------------------


def button(message: SimMessage, starts: str = "", *, data: str | None = None) -> SimButton:
    """The first button whose label starts with `starts` (labels are translated; the emoji
    stay), or whose callback data matches the regular expression `data`."""
    for row in message.buttons:
        for found in row:
            if data is not None:
                if re.search(data, found.callback_data or ""):
                    return found
            elif found.text.startswith(starts):
                return found
    wanted = f"data ~ {data!r}" if data is not None else f"starting with {starts!r}"
    raise AssertionError(
        f"no button {wanted} under {(message.text or '')[:70]!r}; "
        f"there are {message.button_texts()}"
    )


async def tap(
    user: SimUser, message: SimMessage, starts: str = "", *, data: str | None = None
) -> None:
    """Press a button (see `button`) and wait until the bot answered the press."""
    chosen = button(message, starts, data=data)
    await (await user.press(message, chosen.text, data=chosen.callback_data)).answered()


async def tap_row(user: SimUser, message: SimMessage, row: int) -> None:
    """Press the first button of row `row`."""
    chosen = message.buttons[row][0]
    await (await user.press(message, chosen.text, data=chosen.callback_data)).answered()


def code_in(message: SimMessage) -> str:
    found = INVITE_CODE.search(message.text or "")
    if found is None:
        raise AssertionError(f"no invite link in {message.text!r}")
    return found.group(1)


def picker_of(user: SimUser) -> int:
    """The request id of the user picker on the keyboard the bot shows `user` now."""
    for row in user.private_chat.reply_keyboard or []:
        for key in row:
            if "request_users" in key:
                return int(key["request_users"]["request_id"])
    raise AssertionError(f"{user.first_name} is shown no user picker")


# --- time -----------------------------------------------------------------------------------


async def settle(cast: Cast, quiet: float = 0.4) -> None:
    """Wait until the bot has said everything it had to: nothing queued or being sent, no
    edit of a count or a card about to be made, and every chat quiet for a moment."""
    app = cast.app
    dispatcher = services.of(app).sender
    limiter = app.bot.rate_limiter
    assert app.job_queue is not None
    while True:
        await dispatcher.idle()
        for job in app.job_queue.jobs():
            if job.name == STATUS_JOB:
                await job.run(app)
        seen = cast.sandbox.mark()
        await asyncio.sleep(quiet)
        if isinstance(limiter, FloodLimiter) and limiter.waiting():
            continue  # a message waits for its turn in a busy chat
        now = datetime.now(UTC)
        editing = [
            job
            for job in app.job_queue.jobs()
            if job.name in EDITING_JOBS and job.next_t is not None and job.next_t - now < SOON
        ]
        if editing:
            await asyncio.sleep(0.2)
        elif cast.sandbox.mark() == seen:
            return


async def later(cast: Cast, delta: timedelta, what: str, jobs: str) -> None:
    """Jump the bot's clock ahead (narrated as `what`) and let the scheduler run the jobs
    whose names start with `jobs` (each one looks at what fell due itself)."""
    await settle(cast)
    assert cast.app.job_queue is not None
    cast.clock.advance(delta)
    cast.say(f"  ⏩ {what}")
    for job in cast.app.job_queue.jobs():
        if job.name and job.name.startswith(jobs):
            await job.run(cast.app)


async def until(cast: Cast, moment: datetime, what: str, jobs: str) -> None:
    """Jump the bot's clock to just after `moment` (see `later`)."""
    await later(cast, moment + timedelta(minutes=1) - cast.clock.now(), what, jobs)


# --- the command menu -----------------------------------------------------------------------


def menu(cast: Cast, user: SimUser) -> list[dict[str, str]]:
    """The commands, with descriptions, that `user`'s app lists when they tap / in their chat
    with the bot: the narrowest scope the bot set, in their app's language first (as Telegram
    picks them; the same choice as `Sandbox.menu_shown`)."""
    sandbox = cast.sandbox
    shown = sandbox.menu_shown(user)
    language = (user.language_code or "").split("-")[0].lower()
    for scope, chat_id in (("chat", user.id), ("all_private_chats", None), ("default", None)):
        for code in (language, ""):
            found = sandbox.commands(scope, code, chat_id=chat_id)
            if found and [c["command"] for c in found] == shown:
                return found
    return []


async def show_menu(cast: Cast, user: SimUser, who: str, having: str) -> None:
    """Narrate what `user` sees behind the / button, once it lists `having`."""
    await cast.sandbox.wait_for(lambda: having in cast.sandbox.menu_shown(user))
    listed = menu(cast, user)
    width = max(len(c["command"]) for c in listed) + 1
    lines = [f"  📱 {who} taps / in the chat with the bot and sees this menu:"]
    lines += [f"  /{c['command']:<{width}} {c['description']}" for c in listed]
    cast.say("\n".join(lines))
