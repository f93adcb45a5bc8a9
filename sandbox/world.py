"""The simulated Telegram world: users, chats, messages, polls, invite links.

Plain dataclasses hold the state; ``to_api`` methods render Bot API objects exactly
as Telegram would put them on the wire. The driver actions on ``SimUser`` /
``SimChat`` (``send``, ``press``, ``expect`` ...) are thin wrappers around
``sandbox.actions`` so that the state stays easy to read.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.updates import UpdateQueue

ADMIN_RIGHTS: tuple[str, ...] = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
    "can_manage_tags",
)
MEMBER_PERMISSIONS: tuple[str, ...] = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
PRESENT = ("creator", "administrator", "member", "restricted")


@dataclass(eq=False)
class SimUser:
    """A simulated Telegram user (or the bot itself when ``is_bot``)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = False  # has opened the private chat with the bot
    blocked: bool = False  # has blocked the bot
    reachable_until: float = 0.0  # a join request lets the bot write for 5 minutes
    clipboard: str | None = None  # what the last CopyTextButton tapped copied
    world: World | None = field(default=None, repr=False)
    _private: SimChat | None = field(default=None, repr=False)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def private_chat(self) -> SimChat:
        assert self._private is not None, "the bot has no private chat with itself"
        return self._private

    def _world(self) -> World:
        assert self.world is not None, "user is not part of a sandbox"
        return self.world

    def in_chat(self, chat: SimChat) -> str:
        """This user's membership status in ``chat`` ("left" when never there)."""
        member = chat.resolve().members.get(self.id)
        return member.status if member else "left"

    # ---- driver actions (see sandbox.actions) ----
    async def send(
        self, text: str, *, chat: SimChat | None = None, reply_to: SimMessage | None = None
    ) -> SimMessage:
        from sandbox import actions

        return actions.user_send(self._world(), self, text, chat=chat, reply_to=reply_to)

    async def share_contact(self, phone_number: str, *, chat: SimChat | None = None) -> SimMessage:
        from sandbox import actions

        return actions.share_contact(self._world(), self, phone_number, chat=chat)

    async def send_contact(
        self,
        phone_number: str,
        first_name: str,
        *,
        last_name: str | None = None,
        user: SimUser | None = None,
    ) -> SimMessage:
        """A contact card from the address book (📎 → Contact); `user` when the contact is on
        Telegram, which Telegram then names by id."""
        from sandbox import actions

        return actions.send_contact(
            self._world(), self, phone_number, first_name, last_name=last_name, user_of=user
        )

    async def forward(self, author: SimUser, text: str, *, hidden: bool = False) -> SimMessage:
        """Forwards to the bot a message `author` wrote elsewhere; `hidden`: the author's
        privacy settings hide their account in forwards (only their name comes along)."""
        from sandbox import actions

        return actions.forward(self._world(), self, author, text, hidden=hidden)

    async def tap(self, text: str) -> SimMessage:
        """Taps a plain button of the reply keyboard shown in the private chat: its text is
        sent as a message."""
        from sandbox import actions

        return actions.tap(self._world(), self, text)

    async def share_users(self, request_id: int, users: list[SimUser]) -> SimMessage:
        """Taps the reply keyboard's KeyboardButtonRequestUsers `request_id` and picks `users`
        in Telegram's picker: the bot gets a `users_shared` message."""
        from sandbox import actions

        return actions.share_users(self._world(), self, request_id, users)

    async def send_location(
        self, latitude: float, longitude: float, *, via_button: bool = False
    ) -> SimMessage:
        """A map pin: from the attachment menu (📎 → Location, anywhere on the map), or
        `via_button`, the reply keyboard's request_location button (where the user is)."""
        from sandbox import actions

        return actions.send_location(
            self._world(), self, latitude, longitude, via_button=via_button
        )

    async def send_venue(
        self, latitude: float, longitude: float, title: str, address: str
    ) -> SimMessage:
        """A place chosen from the list under the map (📎 → Location): a venue message."""
        from sandbox import actions

        return actions.send_venue(self._world(), self, latitude, longitude, title, address)

    async def press(
        self, message: SimMessage, text: str | None = None, *, data: str | None = None
    ) -> SimCallback:
        from sandbox import actions

        return actions.press(self._world(), self, message, text, data=data)

    async def copy(self, message: SimMessage, text: str) -> str:
        """Tap a CopyTextButton: the app puts its text on the clipboard (returned, and kept in
        `clipboard`) and shows "Copied"; the bot hears nothing."""
        from sandbox import actions

        return actions.copy(self._world(), self, message, text)

    async def answer_poll(self, message: SimMessage, option_ids: list[int]) -> None:
        from sandbox import actions

        actions.answer_poll(self._world(), self, message, option_ids)

    async def join(self, invite_link: str) -> JoinRequest | None:
        from sandbox import actions

        return actions.join(self._world(), self, invite_link)

    async def leave(self, chat: SimChat) -> None:
        from sandbox import actions

        actions.leave(self._world(), self, chat)

    async def block_bot(self) -> None:
        from sandbox import actions

        actions.set_blocked(self._world(), self, True)

    async def unblock_bot(self) -> None:
        from sandbox import actions

        actions.set_blocked(self._world(), self, False)

    async def expect(
        self,
        pattern: str | re.Pattern[str] | None = None,
        timeout: float = 10,  # noqa: ASYNC109 - part of the driver contract
    ) -> SimMessage:
        return await self.private_chat.expect(pattern, timeout=timeout)


@dataclass
class Membership:
    """One user's (or the bot's) standing in a chat."""

    user: SimUser
    status: str  # creator / administrator / member / restricted / left / kicked
    rights: dict[str, bool] = field(default_factory=dict)  # administrators
    permissions: dict[str, bool] = field(default_factory=dict)  # restricted members
    is_member: bool = True  # restricted members only
    until_date: int = 0
    tag: str = ""  # members and restricted members: set with setChatMemberTag

    @property
    def present(self) -> bool:
        return self.status in ("creator", "administrator", "member") or (
            self.status == "restricted" and self.is_member
        )

    def can(self, right: str) -> bool:
        if self.status == "creator":
            return True
        if right == "can_manage_tags" and right not in self.rights:
            right = "can_pin_messages"  # Bot API: "If omitted defaults to can_pin_messages"
        return self.status == "administrator" and bool(self.rights.get(right))

    def to_api(self) -> dict[str, Any]:
        user = self.user.to_api()
        if self.status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if self.status == "administrator":
            data: dict[str, Any] = {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
            }
            for right in ADMIN_RIGHTS:
                data[right] = bool(self.rights.get(right, right == "can_manage_chat"))
            data["can_manage_tags"] = self.can("can_manage_tags")
            return data
        if self.status == "restricted":
            data = {"status": "restricted", "user": user, "is_member": self.is_member}
            for perm in MEMBER_PERMISSIONS:
                data[perm] = bool(self.permissions.get(perm, False))
            data["until_date"] = self.until_date
            if self.tag:
                data["tag"] = self.tag
            return data
        if self.status == "kicked":
            return {"status": "kicked", "user": user, "until_date": self.until_date}
        if self.status == "member":
            data = {"status": "member", "user": user}
            if self.until_date:
                data["until_date"] = self.until_date
            if self.tag:
                data["tag"] = self.tag
            return data
        return {"status": self.status, "user": user}


@dataclass(eq=False)
class SimButton:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    copy_text: str | None = None  # a CopyTextButton: what a tap copies to the clipboard


@dataclass(eq=False)
class SimPoll:
    """A (regular) poll sent by the bot; ``votes`` maps user id → chosen option ids."""

    id: str
    question: str
    options: list[str]
    is_anonymous: bool = True
    type: str = "regular"
    allows_multiple_answers: bool = False
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)
    voters: dict[int, SimUser] = field(default_factory=dict)

    def counts(self) -> list[int]:
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for index in chosen:
                counts[index] += 1
        return counts

    def voters_of(self, option: int) -> list[SimUser]:
        return [self.voters[uid] for uid, chosen in self.votes.items() if option in chosen]

    def to_api(self) -> dict[str, Any]:
        counts = self.counts()
        return {
            "id": self.id,
            "question": self.question,
            "options": [
                {"persistent_id": str(i), "text": text, "voter_count": counts[i]}
                for i, text in enumerate(self.options)
            ],
            "total_voter_count": len(self.votes),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": True,
            "members_only": False,
        }


@dataclass(eq=False)
class SimMessage:
    """A message in a simulated chat (from a user, from the bot, or a service message)."""

    message_id: int
    chat: SimChat
    date: int
    sender: SimUser | None  # None: sent by the bot
    text: str | None = None
    html: str | None = None  # as the bot sent it (parse_mode HTML), for transcripts
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to: SimMessage | None = None
    edits: list[str] = field(default_factory=list)  # earlier texts, oldest first
    edit_date: int | None = None
    pinned: bool = False
    deleted: bool = False
    poll: SimPoll | None = None
    venue: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    document: dict[str, Any] | None = None  # a file sent with sendDocument (Bot API Document)
    photo: list[dict[str, Any]] | None = None  # sizes of a photo sent with sendPhoto (PhotoSize)
    file: bytes | None = field(default=None, repr=False)  # the uploaded file's content
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    service: dict[str, Any] = field(default_factory=dict)  # new_chat_members etc.
    extra: dict[str, Any] = field(default_factory=dict)  # wire fields, e.g. forward_origin
    options: dict[str, Any] = field(default_factory=dict)  # send options (protect_content, ...)
    bot_user: SimUser | None = field(default=None, repr=False)

    @property
    def from_bot(self) -> bool:
        return self.sender is None

    @property
    def is_service(self) -> bool:
        return bool(self.service)

    @property
    def buttons(self) -> list[list[SimButton]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                SimButton(
                    b["text"],
                    b.get("callback_data"),
                    b.get("url"),
                    (b.get("copy_text") or {}).get("text"),
                )
                for b in row
            ]
            for row in rows
        ]

    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    @property
    def keyboard(self) -> list[list[str]]:
        """Texts of a reply keyboard (ReplyKeyboardMarkup), if the message has one."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in rows]

    @property
    def removes_keyboard(self) -> bool:
        """The message came with ReplyKeyboardRemove: the custom keyboard goes away."""
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        author = self.sender if self.sender is not None else self.bot_user
        data: dict[str, Any] = {"message_id": self.message_id}
        if author is not None:
            data["from"] = author.to_api()
        data["chat"] = self.chat.to_api()
        data["date"] = self.date
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.poll is not None:
            data["poll"] = self.poll.to_api()
        if self.venue is not None:
            data["venue"] = self.venue
        if self.contact is not None:
            data["contact"] = self.contact
        if self.document is not None:
            data["document"] = self.document
        if self.photo is not None:
            data["photo"] = self.photo
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        data.update(self.extra)
        data.update(self.service)
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else (self.sender.first_name if self.sender else "?")
        return f"<SimMessage {self.chat.id}/{self.message_id} from {who}: {self.text!r}>"


@dataclass(eq=False)
class InviteLink:
    """An invite link created by the bot (or the primary link)."""

    url: str
    chat: SimChat
    creator: SimUser
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    joined: int = 0

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "invite_link": self.url,
            "creator": self.creator.to_api(),
            "creates_join_request": self.creates_join_request,
            "is_primary": self.is_primary,
            "is_revoked": self.is_revoked,
        }
        if self.name is not None:
            data["name"] = self.name
        if self.expire_date is not None:
            data["expire_date"] = self.expire_date
        if self.member_limit is not None:
            data["member_limit"] = self.member_limit
        if self.creates_join_request:
            data["pending_join_request_count"] = sum(
                1 for r in self.chat.join_requests if r.link is self and r.pending
            )
        return data


@dataclass(eq=False)
class JoinRequest:
    """A pending/decided request to join a chat via a link that needs approval."""

    chat: SimChat
    user: SimUser
    link: InviteLink
    date: int
    approved: bool = False
    declined: bool = False

    @property
    def pending(self) -> bool:
        return not (self.approved or self.declined)


@dataclass(eq=False)
class SimCallback:
    """A pressed inline button: the callback query the bot must answer."""

    id: str
    user: SimUser
    message: SimMessage | None
    data: str | None
    chat_instance: str
    answer: dict[str, Any] | None = None
    world: World | None = field(default=None, repr=False)

    async def answered(
        self,
        timeout: float = 10,  # noqa: ASYNC109 - part of the driver contract
    ) -> dict[str, Any]:
        """Wait until the bot called answerCallbackQuery; returns its parameters."""
        assert self.world is not None
        await self.world.wait_for(lambda: self.answer is not None, timeout=timeout)
        assert self.answer is not None
        return self.answer


@dataclass
class Event:
    """One line-worthy happening for transcripts."""

    seq: int
    chat: SimChat
    kind: str  # message / edit / press / pin / unpin / poll_answer / service / delete / ...
    actor: str
    text: str = ""
    message: SimMessage | None = None
    buttons: list[list[str]] = field(default_factory=list)  # inline keyboard at that moment
    keyboard: list[list[str]] = field(default_factory=list)  # reply keyboard a message came with


@dataclass(eq=False)
class SimChat:
    """A private chat, basic group or supergroup."""

    id: int
    type: str  # private / group / supergroup
    title: str | None = None
    user: SimUser | None = None  # the other party of a private chat
    members: dict[int, Membership] = field(default_factory=dict)
    messages: list[SimMessage] = field(default_factory=list)
    invite_links: list[InviteLink] = field(default_factory=list)
    join_requests: list[JoinRequest] = field(default_factory=list)
    migrated_to: SimChat | None = None
    migrated_from: SimChat | None = None
    next_message_id: int = 1
    cursor: int = 0  # index into ``messages`` used by ``expect``
    world: World | None = field(default=None, repr=False)

    # ---- Bot API rendering ----
    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
        return data

    def full_info(self) -> dict[str, Any]:
        data = self.to_api()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if self.type != "private":
            data["permissions"] = {p: True for p in MEMBER_PERMISSIONS[:12]}
            pinned = [m for m in self.messages if m.pinned and not m.deleted]
            if pinned:
                data["pinned_message"] = pinned[-1].to_api()
            primary = next((link for link in self.invite_links if link.is_primary), None)
            if primary is not None and not primary.is_revoked:
                data["invite_link"] = primary.url
        return data

    # ---- helpers ----
    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    @property
    def label(self) -> str:
        if self.type == "private" and self.user is not None:
            handle = f" (@{self.user.username})" if self.user.username else ""
            return f"Private chat with {self.user.full_name}{handle}"
        kind = "Supergroup" if self.type == "supergroup" else "Group"
        return f'{kind} "{self.title}"'

    def resolve(self) -> SimChat:
        """Follow migrations to the chat that is live now."""
        chat = self
        while chat.migrated_to is not None:
            chat = chat.migrated_to
        return chat

    def _world(self) -> World:
        assert self.world is not None, "chat is not part of a sandbox"
        return self.world

    def bot_messages(self) -> list[SimMessage]:
        return [m for m in self.messages if m.from_bot and not m.is_service]

    def member(self, user: SimUser) -> Membership | None:
        return self.members.get(user.id)

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]] | None:
        """The custom keyboard the user sees under the text field: the last one the bot sent,
        until a later message removes it (ReplyKeyboardRemove). Buttons as objects (a plain
        text button becomes {"text": ...}); None for the ordinary letter keyboard. A one-time
        keyboard stays reachable through its icon after use, so it counts as shown."""
        for message in reversed(self.messages):
            if not message.from_bot or message.deleted or message.reply_markup is None:
                continue
            if message.removes_keyboard:
                return None
            rows = message.reply_markup.get("keyboard")
            if rows is not None:
                return [
                    [b if isinstance(b, dict) else {"text": b} for b in row[:12]] for row in rows
                ]
        return None

    def get_message(self, message_id: int) -> SimMessage | None:
        for message in self.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    # ---- driver actions ----
    async def add_bot(self, *, by: SimUser, rights: dict[str, bool] | None = None) -> None:
        from sandbox import actions

        actions.add_bot(self._world(), self, by, rights)

    async def set_bot_rights(self, *, by: SimUser, rights: dict[str, bool] | None) -> None:
        from sandbox import actions

        actions.set_bot_rights(self._world(), self, by, rights)

    async def remove_bot(self, *, by: SimUser) -> None:
        from sandbox import actions

        actions.remove_bot(self._world(), self, by)

    async def migrate_to_supergroup(self, *, by: SimUser) -> int:
        from sandbox import actions

        return actions.migrate(self._world(), self, by)

    async def expect(
        self,
        pattern: str | re.Pattern[str] | None = None,
        timeout: float = 10,  # noqa: ASYNC109 - part of the driver contract
    ) -> SimMessage:
        """Next bot message after the cursor that matches; advances the cursor."""
        world = self._world()
        found: list[SimMessage] = []

        def scan() -> bool:
            chat: SimChat | None = self
            while chat is not None:
                while chat.cursor < len(chat.messages):
                    message = chat.messages[chat.cursor]
                    chat.cursor += 1
                    if message.from_bot and not message.is_service and _matches(message, pattern):
                        found.append(message)
                        return True
                chat = chat.migrated_to
            return False

        try:
            await world.wait_for(scan, timeout=timeout)
        except AssertionError:
            from sandbox.transcript import render

            shown = [self] + ([self.migrated_to] if self.migrated_to else [])
            raise AssertionError(
                f"no bot message matching {pattern!r} in {self.label} within {timeout}s.\n"
                f"Transcript:\n{render(world, chats=shown)}"
            ) from None
        return found[0]


def _matches(message: SimMessage, pattern: str | re.Pattern[str] | None) -> bool:
    if pattern is None:
        return True
    haystack = message.text or message.caption or (message.poll.question if message.poll else "")
    if isinstance(pattern, re.Pattern):
        return pattern.search(haystack) is not None
    return pattern in haystack


class World:
    """State of the whole simulation plus the plumbing shared by driver and server."""

    def __init__(self, *, clock: Callable[[], float], bot_user: SimUser) -> None:
        self.clock = clock
        self.bot_user = bot_user
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self.updates = UpdateQueue()
        self.events: list[Event] = []
        self.callbacks: dict[str, SimCallback] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.polls: dict[str, tuple[SimPoll, SimMessage]] = {}
        self.privacy_mode = True
        self._seq = 0
        self._counter = 0
        self._group_seq = 0
        self._changed: asyncio.Event | None = None

    # ---- ids and time ----
    def now(self) -> int:
        return int(self.clock())

    def new_group_id(self, *, supergroup: bool) -> int:
        """Telegram-shaped ids: basic groups -4xxxxxxxxx, supergroups -100xxxxxxxxxx."""
        self._group_seq += 1
        if supergroup:
            return -(1_002_100_000_000 + self._group_seq)
        return -(4_100_000_000 + self._group_seq)

    def next_counter(self) -> int:
        self._counter += 1
        return self._counter

    # ---- change notification (expect / wait_for) ----
    def notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10,  # noqa: ASYNC109 - part of the driver contract
    ) -> None:
        """Poll ``predicate`` until true (woken by world changes); AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout}s")
            if self._changed is None:
                self._changed = asyncio.Event()
            event = self._changed
            try:
                # also re-check periodically: predicates may look at outside state
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass

    # ---- recording ----
    def record(
        self,
        chat: SimChat,
        kind: str,
        actor: str,
        text: str = "",
        message: SimMessage | None = None,
    ) -> Event:
        self._seq += 1
        buttons = [[b.text for b in row] for row in message.buttons] if message else []
        keyboard = message.keyboard if message is not None and kind == "message" else []
        event = Event(self._seq, chat, kind, actor, text, message, buttons, keyboard)
        self.events.append(event)
        self.notify()
        return event

    def mark(self) -> int:
        return self._seq

    def add_message(
        self, chat: SimChat, sender: SimUser | None, *, record: bool = True, **fields: Any
    ) -> SimMessage:
        message = SimMessage(
            message_id=chat.next_message_id,
            chat=chat,
            date=self.now(),
            sender=sender,
            bot_user=self.bot_user,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        if record:
            actor = "Bot" if sender is None else sender.full_name
            kind = "service" if message.is_service else "message"
            self.record(chat, kind, actor, message.text or "", message)
        else:
            self.notify()
        return message

    def push_update(self, kind: str, payload: dict[str, Any]) -> None:
        self.updates.push(kind, payload)
        self.notify()

    def push_raw_update(self, update: dict[str, Any]) -> int:
        """Queue an update exactly as given (see ``UpdateQueue.push_raw``); returns its id."""
        update_id = self.updates.push_raw(update)
        self.notify()
        return update_id

    # ---- lookups ----
    def bot_membership(self, chat: SimChat) -> Membership | None:
        return chat.members.get(self.bot_user.id)

    def bot_is_admin(self, chat: SimChat) -> bool:
        member = self.bot_membership(chat)
        return member is not None and member.status in ("administrator", "creator")

    def chat_instance(self, chat: SimChat) -> str:
        return str((abs(chat.id) * 2654435761 + self.bot_user.id) % 10**19)
