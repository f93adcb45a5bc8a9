"""``Sandbox``: a fake Telegram (Bot API server + simulated world) for tests and the demo.

Start it, point python-telegram-bot at ``f"{sb.base_url}/bot"`` with ``sb.token``,
then let simulated users act (``alice.send``, ``alice.press`` ...) and observe what
the bot did (``chat.expect``, ``sb.transcript()``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox._api import ApiSpec
from sandbox.faults import Faults
from sandbox.flood import FloodConfig, FloodControl
from sandbox.server import RequestRecord, build_app
from sandbox.transcript import render
from sandbox.webhook import Webhook
from sandbox.world import (
    ADMIN_RIGHTS,
    JoinRequest,
    Membership,
    SimChat,
    SimUser,
    World,
)

DEFAULT_ADMIN_RIGHTS = {right: True for right in ADMIN_RIGHTS}


class Sandbox(World):
    """The whole fake Telegram; usable as ``async with Sandbox() as sb``."""

    def __init__(
        self,
        *,
        flood_limits: bool = True,
        flood_config: FloodConfig | None = None,
        bot_username: str = "bondgenoten_bot",
        bot_first_name: str = "Bondgenoten",
        bot_id: int = 123456789,
        clock: Callable[[], float] = time.time,
        privacy_mode: bool = True,
        spec: ApiSpec | None = None,
    ) -> None:
        bot = SimUser(id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True)
        super().__init__(clock=clock, bot_user=bot)
        bot.world = self
        self.privacy_mode = privacy_mode
        self.token = f"{bot_id}:AAH5andb0x-{bot_username[:10]:_<10}-fake-t0ken"
        self.spec = spec if spec is not None else ApiSpec.load()
        self.flood = FloodControl(flood_config or FloodConfig(), clock, enabled=flood_limits)
        self.faults = Faults()
        self.requests: list[RequestRecord] = []
        self.flood_429_count = 0
        self.command_sets: dict[tuple[tuple[str, int | None, int | None], str], list[Any]] = {}
        self.profile: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook = Webhook(self)
        # Where an https webhook is delivered: the bot's plain-HTTP listen address, as the
        # operator's TLS reverse proxy does (see sandbox.webhook). None: not delivered.
        self.webhook_proxy: str | None = None
        self._user_seq = 0
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- identity ----
    @property
    def bot_id(self) -> int:
        return self.bot_user.id

    @property
    def bot_username(self) -> str:
        return self.bot_user.username or ""

    # ---- lifecycle ----
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        if self._runner is not None:
            return self
        self.updates.reopen()
        runner = web.AppRunner(build_app(self), shutdown_timeout=0.5, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        sockets = [s for s in runner.addresses]
        bound_port = sockets[0][1] if sockets else port
        self.base_url = f"http://{host}:{bound_port}"
        return self

    async def stop(self) -> None:
        self.updates.close()  # releases long polls so the server can shut down at once
        self.faults.recover()  # and requests hanging in a simulated outage
        await self.webhook.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- building the world ----
    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
    ) -> SimUser:
        self._user_seq += 1
        user = SimUser(
            id=6_100_000_000 + self._user_seq,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            world=self,
        )
        chat = SimChat(id=user.id, type="private", user=user, world=self)
        chat.members[user.id] = Membership(user, "member")
        chat.members[self.bot_user.id] = Membership(self.bot_user, "member")
        user._private = chat
        self.users[user.id] = user
        self.chats[chat.id] = chat
        return user

    def add_group(
        self,
        title: str,
        members: Iterable[SimUser] = (),
        admins: Iterable[SimUser] = (),
        *,
        supergroup: bool = False,
    ) -> SimChat:
        """A group without the bot; the first admin (else first member) is its creator."""
        members, admins = list(members), list(admins)
        chat = SimChat(
            id=self.new_group_id(supergroup=supergroup),
            type="supergroup" if supergroup else "group",
            title=title,
            world=self,
        )
        everyone = admins + [m for m in members if m not in admins]
        for index, user in enumerate(everyone):
            if index == 0:
                chat.members[user.id] = Membership(user, "creator")
            elif user in admins:
                chat.members[user.id] = Membership(
                    user, "administrator", rights=dict(DEFAULT_ADMIN_RIGHTS)
                )
            else:
                chat.members[user.id] = Membership(user, "member")
        self.chats[chat.id] = chat
        return chat

    # ---- lookups for tests ----
    def user(self, user_id: int) -> SimUser:
        return self.users[user_id]

    def chat(self, chat_id: int) -> SimChat:
        return self.chats[chat_id]

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for exactly this scope + language."""
        return list(self.command_sets.get(((scope_type, chat_id, user_id), language_code), []))

    def menu_shown(self, user: SimUser, chat: SimChat | None = None) -> list[str]:
        """The command names `user`'s app shows in `chat` (default: the private chat with the
        bot), picked as Telegram documents it: the narrowest scope set first, each in the
        app's language first (core.telegram.org/bots/api#determining-list-of-commands)."""
        chat = (chat or user.private_chat).resolve()
        scopes: list[tuple[str, int | None, int | None]]
        if chat.type == "private":
            scopes = [("chat", chat.id, None), ("all_private_chats", None, None)]
        else:
            member = chat.members.get(user.id)
            admin = member is not None and member.status in ("creator", "administrator")
            scopes = [("chat_member", chat.id, user.id)]
            scopes += [("chat_administrators", chat.id, None)] if admin else []
            scopes += [("chat", chat.id, None)]
            scopes += [("all_chat_administrators", None, None)] if admin else []
            scopes += [("all_group_chats", None, None)]
        scopes.append(("default", None, None))
        language = (user.language_code or "").split("-")[0].lower()
        for scope in scopes:
            for code in (language, "") if language else ("",):
                found = self.command_sets.get((scope, code))
                if found:
                    return [command["command"] for command in found]
        return []

    def join_requests(self, chat: SimChat) -> list[JoinRequest]:
        return list(chat.resolve().join_requests)

    def requests_for(self, method: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.method.lower() == method.lower()]

    # ---- transcripts ----
    def transcript(self, chats: Iterable[SimChat] | None = None, since: int = 0) -> str:
        return render(self, chats=chats, since=since)
