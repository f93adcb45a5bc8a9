"""What a WhatsApp member writes and taps, turned into the use cases Telegram's buttons call.

- **Linking.** Someone unknown who writes a link code ("KOPPEL 4F7K2Q9A", made in Telegram's
  /profile or the invite's welcome: `storage.wa_links`) becomes that person's WhatsApp: the
  link and the consent (the moment, where the code came from) are recorded, the network the
  code was made for is reached on WhatsApp from now on, and both chats say so. Without a code
  they hear how to link; nothing of them is stored.
- **A linked member's message or tap** opens the 24-hour window and wakes the WhatsApp
  dispatcher: what waited behind a doorbell goes now.
- **Buttons.** A reply button's or list row's id is the action string of the delivery's button
  (`inc:ack:12`, `mtg:att:5:yes`, `pulse:m:3:calm`, `act:done:9`): the same use case as the
  Telegram button, the same checks, the same record (one headcount, one live status). A typed
  word that matches a button of the last message with buttons ("gezien", "ja", "2") counts as
  the tap; failing that, one of the few before it (the alert under a later question).
- **Keywords**, Dutch and English, in any case: STOP (nothing more on WhatsApp, at once, also
  mid-incident; what was queued there ends), START, MIJN GEGEVENS / MY DATA, VERGEET MIJ /
  FORGET ME (with a confirmation by button), HELP / HULP.
- **Statuses and template verdicts** go to the outbound side (`whatsapp.statuses`,
  `whatsapp.templates`); a changed number (a system message) moves the link to the new id.

Answers to a linked member go through the outbox on WhatsApp (`storage.wa_links.queue_answer`),
paced like everything else sent to them, also to a member who wrote STOP (an answer to their
own message is the one thing still sent there). Two go straight out through `send_text`,
because the outbox cannot carry them: to someone not linked (yet), and the last word of
FORGET ME (the person is gone).
`start` runs the webhook (`whatsapp.webhook`) with an `Inbound` behind it.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import listen
from bot.i18n import Html, Translator, translator
from domain import agenda as agenda_rules
from domain import (
    alert_texts,
    audit,
    consent,
    forget,
    meeting_texts,
    my_data,
    pulse,
    pulse_texts,
    timeline,
)
from domain import alerts as alert_rules
from domain import incidents as incident_rules
from domain.access import Action, allowed, load_actor
from domain.context import Context
from domain.notify import language_of, tell
from domain.ports import Button, Keyboard
from storage import actions as action_store
from storage import incidents as incident_store
from storage import memberships, networks, people, privacy, wa_links
from storage import whatsapp as store
from storage.whatsapp import Contact
from whatsapp.webhook import Item, Webhook

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # a WhatsApp text message
REPLY_LIMIT = incident_rules.MAX_TEXT
RECENT_BUTTONS = 5  # messages with buttons a typed word may answer, newest first
# Someone not linked gets at most this many answers (how to link, a refused code) an hour, and
# only that many codes are checked for them: a code is 8 of 31 characters, and writing random
# ones, or flooding the number, gets nothing but silence. Kept in memory only (nothing of a
# stranger is stored); a restart forgets it, which costs a guesser nothing worth having.
STRANGER_TRIES = 5
STRANGER_HOUR = timedelta(hours=1)

# Keywords, compared after `_plain` (case, accents, punctuation and spaces folded).
STOP, START, MY_DATA, FORGET_ME, HELP = "stop", "start", "my_data", "forget_me", "help"
KEYWORDS = {
    "stop": STOP,
    "stoppen": STOP,
    "afmelden": STOP,
    "unsubscribe": STOP,
    "start": START,
    "starten": START,
    "mijn gegevens": MY_DATA,
    "my data": MY_DATA,
    "mydata": MY_DATA,
    "vergeet mij": FORGET_ME,
    "vergeet me": FORGET_ME,
    "forget me": FORGET_ME,
    "forget": FORGET_ME,
    "help": HELP,
    "hulp": HELP,
    "info": HELP,
}
LINK_WORDS = ("koppel", "koppelen", "link")
FORGET_YES, FORGET_NO = "wa:forget:yes", "wa:forget:no"
FREE_ACTIONS = ("inc:", "wa:")  # left through while a changed privacy notice waits


# A text straight to a WhatsApp user (their wa_user), in WhatsApp's markup: True when WhatsApp
# took it. The outbound side's client provides it.
SendText = Callable[[str, str], Awaitable[bool]]


async def start(ctx: Context, send_text: SendText) -> Webhook:
    """The webhook on `[whatsapp] listen`, handling what comes in here (`listen.Unusable` if
    the address cannot be bound). Stop it with `await webhook.stop()`."""
    wa = ctx.settings.whatsapp
    assert wa.listen and wa.app_secret and wa.verify_token, "checked by the settings"
    sock = listen.bind(wa.listen, "whatsapp.listen")
    inbound = Inbound(ctx, send_text)
    hook = Webhook(
        ctx.database,
        ctx.clock,
        inbound.handle,
        app_secret=wa.app_secret.get_secret_value(),
        verify_token=wa.verify_token.get_secret_value(),
        # Meta repeats a webhook for up to a week, and its key is known as long as that.
        max_age=timedelta(days=ctx.settings.retention.wa_webhook_days),
    )
    try:
        await hook.start(sock)
    except BaseException:
        sock.close()
        raise
    return hook


@dataclass(frozen=True)
class Incoming:
    """One message as far as we read it: who (their ids), what they typed, what they tapped."""

    wamid: str
    wa_id: str | None  # the phone number as WhatsApp's id, when shown
    bsuid: str | None  # the business-scoped user id, when given
    kind: str
    text: str  # typed text (or a button's title)
    action: str | None  # a reply button's or list row's id, a template quick reply's payload
    at: datetime
    system: dict[str, Any]

    @property
    def sender(self) -> str | None:
        return self.bsuid or self.wa_id


def read_message(data: dict[str, Any]) -> Incoming | None:
    """A webhook message item (`whatsapp.webhook.Item.data`) as an `Incoming`; None if it has
    no sender."""
    message = data.get("message") or {}
    contact = data.get("contact") or {}
    wa_id = _str(message.get("from")) or _str(contact.get("wa_id"))
    bsuid = _str(contact.get("user_id")) or _str(message.get("from_user_id"))
    if wa_id is None and bsuid is None:
        return None
    kind = _str(message.get("type")) or "unknown"
    text, action = "", None
    if kind == "text":
        text = _str((message.get("text") or {}).get("body")) or ""
    elif kind == "button":  # a template's quick reply
        button = message.get("button") or {}
        text, action = _str(button.get("text")) or "", _str(button.get("payload"))
    elif kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        text, action = _str(reply.get("title")) or "", _str(reply.get("id"))
    try:
        at = datetime.fromtimestamp(int(str(message.get("timestamp"))), UTC)
    except (TypeError, ValueError, OverflowError):
        at = datetime.now(UTC)
    system = message.get("system") if isinstance(message.get("system"), dict) else {}
    return Incoming(str(message.get("id")), wa_id, bsuid, kind, text, action, at, system or {})


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _plain(text: str) -> str:
    """Folded for comparing typed words: lower case, no accents, emoji or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def link_code_in(text: str) -> str | None:
    """The link code in "KOPPEL 4F7K 2Q9A", "link: 4f7k2q9a" or the code alone."""
    words = _plain(text).split()
    if words and words[0] in LINK_WORDS:
        words = words[1:]
    code = wa_links.normalise("".join(words))
    if len(code) == wa_links.CODE_LENGTH and all(ch in wa_links.ALPHABET for ch in code):
        return code
    return None


def keyword_of(text: str) -> str | None:
    return KEYWORDS.get(_plain(text))


def as_whatsapp(text: str) -> str:
    """Our HTML texts as WhatsApp shows them (for what goes straight out, not via the outbox):
    bold and italic in WhatsApp's marks, other tags dropped, entities read."""
    text = re.sub(r"</?b>", "*", text)
    text = re.sub(r"</?i>", "_", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


# --- reading a typed word as a tap ---------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "inc:ack": ("ja", "yes", "ok", "oke", "gezien", "seen", "gelezen", "read", "check"),
    "inc:reply": ("reageer", "reageren", "reply", "antwoord", "antwoorden"),
    "inc:call": ("bel", "bel mij", "bel me", "bellen", "call", "call me"),
    "inc:notext": ("nee", "no", "klaar", "that s all", "dat is alles"),
    "act:done": ("klaar", "done", "gedaan", "af"),
    "act:prog": ("bezig", "busy", "mee bezig", "in progress", "loopt"),
    # Deleting everything takes its button or its whole label ("ja, wis alles"), never a
    # lone "ja" that may have been meant for something else.
    "wa:forget:no": ("nee", "no"),
}
_ANSWER_SYNONYMS = {
    "yes": ("ja", "yes", "kom", "ik kom", "ja ik kom", "ja graag", "jazeker"),
    "no": ("nee", "no", "kan niet", "niet", "nee helaas", "nee sorry"),
    "maybe": ("misschien", "maybe", "weet niet", "weet ik niet"),
}


def _words_for(action: str) -> set[str]:
    """What a member might type for the button with this action, in Dutch and English."""
    parts = action.split(":")
    found: set[str] = set(_SYNONYMS.get(":".join(parts[:2]), ()))
    found |= set(_SYNONYMS.get(action, ()))
    for language in ("nl", "en"):
        _ = translator(language)
        if action.startswith("inc:ack:"):
            found.add(_plain(_("✅ Seen")))
        elif action.startswith("inc:reply:"):
            found.add(_plain(_("💬 Reply")))
        elif action.startswith("inc:call:"):
            found.add(_plain(_("📞 Call me")))
        elif action.startswith("inc:notext:"):
            found.add(_plain(_("No, that's all")))
        elif action.startswith(("inc:mood:", "pulse:m:")) and parts[-1] in incident_rules.MOODS:
            found.add(_plain(incident_rules.mood_name(_, parts[-1])))
        elif action.startswith("mtg:att:") and parts[-1] in _ANSWER_SYNONYMS:
            found.add(_plain(meeting_texts.answer_name(_, parts[-1])))
            found |= set(_ANSWER_SYNONYMS[parts[-1]])
        elif action.startswith("act:done:"):
            found.add(_plain(_("✅ Done")))
        elif action.startswith("act:prog:"):
            found.add(_plain(_("🔄 In progress")))
        elif action == FORGET_YES:
            found.add(_plain(_("Yes, delete all")))
        elif action == FORGET_NO:
            found.add(_plain(_("No, keep it")))
    return {word for word in found if word}


# An emoji typed alone ("👍", "✅") for the button it stands for: the emoji on its label, and
# the thumbs for yes.
_EMOJI: dict[str, tuple[str, ...]] = {
    "inc:ack": ("✅", "👍", "👌", "✔"),
    "inc:reply": ("💬",),
    "inc:call": ("📞", "☎"),
    "act:done": ("✅", "👍", "✔"),
    "act:prog": ("🔄",),
}
_EMOJI_ANSWERS = {"yes": ("✅", "👍", "👌"), "no": ("❌", "👎"), "maybe": ("🤔", "❓")}


def _emoji(text: str) -> str:
    """An emoji as typed, without skin tones, variation selectors or spaces."""
    return "".join(
        ch
        for ch in text
        if not ch.isspace() and ch != "\ufe0f" and not "\U0001f3fb" <= ch <= "\U0001f3ff"
    )


def _emoji_for(action: str) -> set[str]:
    parts = action.split(":")
    found = set(_EMOJI.get(":".join(parts[:2]), ()))
    if action.startswith("mtg:att:"):
        found |= set(_EMOJI_ANSWERS.get(parts[-1], ()))
    return found


def typed_tap(text: str, actions: Sequence[str], *, numbers: bool = True) -> str | None:
    """The action a typed word stands for among `actions` (the buttons of one message, in
    order): its number ("2", when `numbers`), a word of one button alone, or an emoji alone
    ("👍" for ✅ Seen)."""
    said = _plain(text)
    if not said:
        typed = _emoji(text)
        matching = [action for action in actions if typed and typed in _emoji_for(action)]
        return matching[0] if len(matching) == 1 else None
    if numbers and said.isdigit() and 1 <= int(said) <= len(actions):
        chosen = actions[int(said) - 1]
        return None if chosen == FORGET_YES else chosen  # deleting all takes more than "1"
    matching = [action for action in actions if said in _words_for(action)]
    return matching[0] if len(matching) == 1 else None


# --- the entry point -----------------------------------------------------------------------------


class Inbound:
    """Handles the webhook's items (`whatsapp.webhook.Webhook` calls `handle`)."""

    def __init__(self, ctx: Context, send_text: SendText) -> None:
        self.ctx = ctx
        self.send_text = send_text
        self.current: str | None = None  # the key of the item being handled
        self._strangers: dict[str, list[datetime]] = {}  # sender → when they were answered

    def _stranger_turn(self, sender: str) -> int:
        """How many times this stranger has written within the hour, this time included."""
        now = self.ctx.clock.now()
        since = now - STRANGER_HOUR
        for key in [k for k, times in self._strangers.items() if times[-1] <= since]:
            del self._strangers[key]
        times = [t for t in self._strangers.get(sender, []) if t > since] + [now]
        self._strangers[sender] = times
        return len(times)

    def wake(self) -> None:
        """The WhatsApp dispatcher looks now (a window opened, an answer is queued)."""
        if self.ctx.whatsapp is not None:
            self.ctx.whatsapp.wake()

    async def handle(self, item: Item) -> None:
        self.current = item.key
        if item.kind == "status":
            await self.on_status(item.data)
        elif item.kind == "template":
            await self.on_template(item.data)
        elif item.kind == "message":
            incoming = read_message(item.data)
            if incoming is None:
                log.warning("whatsapp: message %s without a sender, skipped", item.key)
                return
            await self.on_message(incoming)
        else:
            log.warning("whatsapp: item %s of unknown kind %r, skipped", item.key, item.kind)

    # --- statuses and templates ---------------------------------------------------------------

    async def on_status(self, status: dict[str, Any]) -> None:
        from whatsapp import statuses  # the outbound side's; it imports nothing of this module

        errors = [e for e in status.get("errors") or [] if isinstance(e, dict)]
        code = errors[0].get("code") if errors else None
        try:
            at = datetime.fromtimestamp(int(str(status.get("timestamp"))), UTC)
        except (TypeError, ValueError, OverflowError):
            at = self.ctx.clock.now()
        await statuses.apply_status(
            self.ctx,
            str(status["id"]),
            str(status["status"]),
            code if isinstance(code, int) else None,
            at,
        )

    async def on_template(self, data: dict[str, Any]) -> None:
        from whatsapp import templates

        await templates.apply_template_update(
            self.ctx,
            str(data["name"]),
            str(data["language"]),
            status=_str(data.get("status")),
            category=_str(data.get("category")),
        )

    # --- messages -----------------------------------------------------------------------------

    async def on_message(self, incoming: Incoming) -> None:
        db = self.ctx.database
        if incoming.kind == "system":
            await self.on_system(incoming)
            return
        contact = await self.contact_of(incoming)
        if contact is None:
            await self.from_stranger(incoming)
            return
        if incoming.kind == "text" and link_code_in(incoming.text) is not None:
            await self.from_stranger(incoming)  # a code again: linked anew (a new number...)
            return
        now = self.ctx.clock.now()
        keyword = keyword_of(incoming.text) if incoming.action is None else None
        # After STOP, a keyword (MY DATA, FORGET ME...) and a tap still do what they say (only
        # their answer comes, nothing else); anything else hears how to start again.
        stopped = contact.stopped_at is not None and keyword != START
        if stopped and keyword is None and incoming.action is None:
            await store.touch_window(db, contact.user_id, now)
            if incoming.kind != "reaction":
                await self.answer(contact, _stopped_reminder)
            return
        await store.touch_window(db, contact.user_id, now)
        self.wake()  # what waited behind a doorbell may go now
        if incoming.kind == "reaction":
            return  # an emoji on one of our messages: it opens the window, and that is all
        if keyword is not None:
            await self.on_keyword(contact, keyword)
            return
        if incoming.action is not None:
            await self.on_action(contact, incoming.action)
            return
        if incoming.kind != "text":
            await self.answer(
                contact,
                lambda _: _(
                    "I can only read text and the buttons under my messages. HELP shows what "
                    "you can do here."
                ),
            )
            return
        if await self.on_awaited_text(contact, incoming.text):
            return
        tapped = None
        # The newest message with buttons first; an older one (the alert under a later "anything
        # to add?") still answers to its own words.
        recent = await wa_links.recent_buttons(db, contact.user_id, RECENT_BUTTONS)
        for at, actions in enumerate(recent):
            tapped = typed_tap(incoming.text, actions, numbers=at == 0)  # "2": the newest only
            if tapped is not None:
                break
        if tapped is not None:
            log.info("whatsapp: user %s typed a word for %s", contact.user_id, tapped)
            await self.on_action(contact, tapped)
            return
        await self.answer(contact, _not_understood)

    async def contact_of(self, incoming: Incoming) -> Contact | None:
        db = self.ctx.database
        for key in (incoming.bsuid, incoming.wa_id):
            if key is not None:
                found = await store.contact_by_wa_user(db, key)
                if found is not None:
                    return found
        return None

    async def on_system(self, incoming: Incoming) -> None:
        """A changed number: the link moves to the new id (the person and their choices stay)."""
        kind = incoming.system.get("type")
        new_id = _str(incoming.system.get("user_id")) or _str(incoming.system.get("wa_id"))
        if kind != "user_changed_number" or new_id is None:
            log.info("whatsapp: system message %r, nothing to do", kind)
            return
        contact = await self.contact_of(incoming)
        if contact is None:
            log.info("whatsapp: a number change of someone not linked, nothing to do")
            return
        phone = _str(incoming.system.get("wa_id"))
        await store.link(
            self.ctx.database,
            contact.user_id,
            new_id,
            phone,
            contact.consent_source,
            self.ctx.clock.now(),
        )
        log.info("whatsapp: user %s changed number; linked to the new id", contact.user_id)

    # --- someone not linked ---------------------------------------------------------------------

    async def from_stranger(self, incoming: Incoming) -> None:
        """Someone not linked: a code links them; anything else hears how to link."""
        _ = translator(self.ctx.settings.bot.default_language)
        sender = incoming.sender
        assert sender is not None
        turn = self._stranger_turn(sender)
        if turn > STRANGER_TRIES:
            if turn == STRANGER_TRIES + 1:
                log.warning(
                    "whatsapp: someone not linked wrote %d times within the hour; their codes "
                    "are not checked and they get no answer for now",
                    turn,
                )
                await self.send_straight(sender, too_many_tries_text(_))
            return
        code = link_code_in(incoming.text) if incoming.kind == "text" else None
        if code is None:
            log.info("whatsapp: a message from someone not linked, answered how to link")
            await self.send_straight(sender, how_to_link(_))
            return
        found = await wa_links.check(self.ctx.database, code, self.ctx.clock.now())
        if isinstance(found, wa_links.Refusal):
            log.info("whatsapp: link code refused (%s)", found)
            await self.send_straight(sender, refused_code_text(_, found))
            return
        await self.link(found, incoming)

    async def link(self, code: wa_links.LinkCode, incoming: Incoming) -> None:
        db, now = self.ctx.database, self.ctx.clock.now()
        sender = incoming.sender
        assert sender is not None
        previous = await self.contact_of(incoming)
        if previous is not None and previous.user_id != code.user_id:
            # One WhatsApp, one person: it was someone else's (a shared phone). They lose it,
            # are told on Telegram, and their messages go there again.
            await store.unlink(db, previous.user_id)
            await audit.record(self.ctx, previous.user_id, audit.Act.WA_UNLINKED, None)
            log.info(
                "whatsapp: user %s's WhatsApp is now linked to user %s; unlinked",
                previous.user_id,
                code.user_id,
            )
            await tell(self.ctx, [previous.user_id], lambda _: (taken_over_text(_), ()))
            self.ctx.dispatcher.wake()
        await store.link(db, code.user_id, sender, incoming.wa_id, code.source, now)
        await wa_links.use(db, code.code, now)
        if code.network_id is not None and await _member(self.ctx, code.network_id, code.user_id):
            await store.set_channel(db, code.network_id, code.user_id, store.WHATSAPP, now)
        await audit.record(self.ctx, code.user_id, audit.Act.WA_LINKED, None)
        log.info("whatsapp: user %s linked WhatsApp (from %s)", code.user_id, code.source)
        chosen = await whatsapp_networks(self.ctx, code.user_id)
        contact = await store.get_contact(db, code.user_id)
        assert contact is not None
        await self.answer(contact, lambda _: linked_text(_, chosen))
        await tell(self.ctx, [code.user_id], lambda _: (linked_on_telegram_text(_, chosen), ()))

    # --- keywords -------------------------------------------------------------------------------

    async def on_keyword(self, contact: Contact, keyword: str) -> None:
        db, now = self.ctx.database, self.ctx.clock.now()
        if keyword == STOP:
            waiting = await wa_links.pending_incidents(db, contact.user_id)
            ended = await store.stop(db, contact.user_id, now)
            for incident_id in waiting:  # the hosts' live status counts them unreachable
                await incident_store.mark_unreachable(db, incident_id, contact.user_id, now)
            await audit.record(self.ctx, contact.user_id, audit.Act.WA_STOPPED, None)
            log.info(
                "whatsapp: user %s stopped messages (%d deliveries ended)", contact.user_id, ended
            )
            # Queued after the stop ended everything else: an answer to her own message, the
            # one thing still sent to her there (paced like the rest, so never refused).
            await self.answer(contact, stopped_text)
        elif keyword == START:
            await store.restart(db, contact.user_id, now)
            await audit.record(self.ctx, contact.user_id, audit.Act.WA_RESTARTED, None)
            log.info("whatsapp: user %s started messages again", contact.user_id)
            chosen = await whatsapp_networks(self.ctx, contact.user_id)
            await self.answer(contact, lambda _: started_text(_, chosen))
        elif keyword == MY_DATA:
            await self.my_data(contact)
        elif keyword == FORGET_ME:
            await wa_links.await_text(db, contact.user_id, "forget", None, now)
            await self.answer(contact, forget_question)
        else:
            chosen = await whatsapp_networks(self.ctx, contact.user_id)
            await self.answer(contact, lambda _: help_text(_, chosen))

    async def my_data(self, contact: Contact) -> None:
        """What /mydata shows, as texts that fit WhatsApp (the file stays a Telegram thing)."""
        db = self.ctx.database
        record = await privacy.export_person(db, contact.user_id)
        now = self.ctx.clock.now()
        tz = self.ctx.settings.bot.tz
        configured = contact.user_id in self.ctx.settings.access.coordinators
        _ = await language_of(self.ctx, contact.user_id)
        summary = my_data.summary(
            _, record, tz, now=now, configured_coordinator=configured, with_file=False
        )
        for part in split_text(str(summary), TEXT_LIMIT):
            await self.queue(contact, part)

    async def on_awaited_text(self, contact: Contact, text: str) -> bool:
        """Words a tap asked for: the few words after a mood; yes/no to FORGET ME."""
        db = self.ctx.database
        waiting = await self.awaiting(contact.user_id)
        if waiting is None:
            return False
        if waiting.what == "forget":
            tapped = typed_tap(text, [FORGET_YES, FORGET_NO])
            if tapped is None:
                return False
            await self.on_action(contact, tapped)
            return True
        if waiting.what == "reply" and waiting.ref_id is not None:
            await wa_links.stop_awaiting(db, contact.user_id)
            await self.reply_words(contact, waiting.ref_id, text)
            return True
        return False

    async def awaiting(self, user_id: int) -> wa_links.Awaiting | None:
        """What the member's next typed text is taken as, if a tap asked for it lately: as on
        Telegram, it lapses after `[bot] conversation_minutes` (a "ja" hours later is meant for
        something else, not words for the police chief, and FORGET ME is asked again)."""
        waiting = await wa_links.awaiting(self.ctx.database, user_id)
        if waiting is None:
            return None
        lapses = datetime.fromisoformat(waiting.since) + timedelta(
            minutes=self.ctx.settings.bot.conversation_minutes
        )
        if lapses > self.ctx.clock.now():
            return waiting
        await wa_links.stop_awaiting(self.ctx.database, user_id)
        log.info("whatsapp: user %s's awaited %s lapsed", user_id, waiting.what)
        return None

    # --- buttons ----------------------------------------------------------------------------------

    async def on_action(self, contact: Contact, action: str) -> None:
        """A tapped button (or its typed word): the use case its Telegram twin calls."""
        parts = action.split(":")
        numbers = [int(p) for p in parts[2:3] if p.isdigit()]
        user_id = contact.user_id
        # As Telegram's consent guard: after the privacy notice changed, only alerts and the
        # answers to them (and the keywords, FORGET ME's buttons) work until they agree.
        if not action.startswith(FREE_ACTIONS) and await consent.to_ask(
            self.ctx, user_id, await people.get(self.ctx.database, user_id)
        ):
            log.info("whatsapp: user %s tapped %s before agreeing to the notice", user_id, parts[0])
            await self.answer(contact, consent_first_text)
            return
        if parts[:1] == ["inc"] and numbers:
            await self.on_alert_button(contact, parts[1], numbers[0], parts[3:])
        elif parts[:2] == ["mtg", "att"] and numbers and len(parts) == 4:
            await self.on_meeting_answer(contact, numbers[0], parts[3])
        elif parts[:2] == ["pulse", "m"] and numbers and len(parts) == 4:
            outcome = await pulse.answer(self.ctx, numbers[0], user_id, parts[3])
            if outcome is pulse.Answered.SAVED:
                await self.answer(contact, lambda _: _("Thank you!"))
            elif outcome is pulse.Answered.CLOSED:
                await self.answer(contact, pulse_texts.closed)
            else:  # not asked, no longer a member, gone: as Telegram's stale button says
                await self.answer(contact, lambda _: _("This button no longer works."))
        elif parts[:1] == ["act"] and parts[1:2] in (["prog"], ["done"]) and numbers:
            await self.on_progress(contact, numbers[0], parts[1] == "done")
        elif action == FORGET_YES:
            waiting = await self.awaiting(user_id)
            if waiting is None or waiting.what != "forget":  # an old question's button
                await self.answer(contact, forget_lapsed)
                return
            await self.forget(contact)
        elif action == FORGET_NO:
            await wa_links.stop_awaiting(self.ctx.database, user_id)
            await self.answer(contact, lambda _: _("Nothing was deleted."))
        else:
            # A doorbell's "Show message", or a button of an older kind: the window is open
            # and the dispatcher woken, which is all it asks for.
            log.info("whatsapp: user %s tapped %r: window opened", user_id, action[:64])

    async def on_alert_button(
        self, contact: Contact, verb: str, incident_id: int, rest: list[str]
    ) -> None:
        db, now = self.ctx.database, self.ctx.clock.now()
        incident, person = await incident_store.with_recipient(db, incident_id, contact.user_id)
        if incident is None:
            await self.answer(contact, lambda _: _("I don't know this alert any more."))
            return
        if person is None:
            await self.answer(contact, lambda _: _("This alert was not sent to you."))
            return
        if not person.still_member:
            await self.answer(
                contact,
                lambda _: _(
                    "This alert is no longer for you: you are not in its network any more."
                ),
            )
            return
        if verb == "ack":
            if await incident_store.acknowledge(db, incident.id, person.user_id, now):
                await self.answer(
                    contact, lambda _: _("✅ Thank you – noted that you have seen it.")
                )
            else:
                await self.answer(contact, lambda _: _("Already noted – thank you!"))
        elif verb == "reply":
            await self.answer(
                contact,
                lambda _: (
                    _(
                        "How is the mood around you? Your answer goes to the police chief and "
                        "the municipality, not to the group."
                    ),
                    [
                        [Button(alert_texts.mood_label(_, m), f"inc:mood:{incident.id}:{m}")]
                        for m in incident_rules.MOODS
                    ],
                ),
            )
        elif verb == "mood" and rest and rest[0] in incident_rules.MOODS:
            mood = rest[0]
            await incident_store.set_mood(db, incident.id, person.user_id, mood, now)
            await wa_links.await_text(db, contact.user_id, "reply", incident.id, now)
            await self.answer(
                contact,
                lambda _: (
                    _(
                        "Noted: {mood}. Anything to add? Type it now – it goes to the police "
                        "chief and the municipality, not to the group.",
                        mood=alert_texts.mood_label(_, mood),
                    ),
                    [[Button(_("No, that's all"), f"inc:notext:{incident.id}")]],
                ),
            )
            await alert_rules.tell_hosts_about(self.ctx, incident, person, mood=mood)
        elif verb == "notext":
            await wa_links.stop_awaiting(db, contact.user_id)
            await self.answer(
                contact,
                lambda _: _(
                    "Thank you – the police chief and the municipality know how it is around you."
                ),
            )
        elif verb == "call":
            if not await incident_store.ask_to_be_called(db, incident.id, person.user_id, now):
                await self.answer(
                    contact,
                    lambda _: _("You asked already – the police chief and the municipality know."),
                )
                return
            await self.answer(contact, lambda _: call_me_text(_, shared=bool(person.phone)))
            await alert_rules.tell_hosts_about(self.ctx, incident, person, call=True)
        else:
            log.info(
                "whatsapp: user %s tapped inc:%s, not a member's button", contact.user_id, verb
            )

    async def reply_words(self, contact: Contact, incident_id: int, text: str) -> None:
        """The few words a member typed after the mood: on to the hosts."""
        db = self.ctx.database
        incident = await incident_store.get(db, incident_id)
        person = await incident_store.recipient(db, incident_id, contact.user_id)
        if incident is None or person is None or not person.still_member:
            await self.answer(
                contact,
                lambda _: _(
                    "This alert is no longer for you: you are not in its network any more."
                ),
            )
            return
        words = text.strip()[:REPLY_LIMIT]
        await incident_store.set_reply_text(
            db, incident.id, person.user_id, words, self.ctx.clock.now()
        )
        await self.answer(
            contact,
            lambda _: _(
                "Thank you – I passed it on to the police chief and the municipality, not to "
                "the group."
            ),
        )
        await alert_rules.tell_hosts_about(self.ctx, incident, person, text=words)

    async def on_meeting_answer(self, contact: Contact, meeting_id: int, chosen: str) -> None:
        answered = await timeline.answer(self.ctx, meeting_id, contact.user_id, chosen)
        if answered is timeline.Answered.NOTED:
            await self.answer(
                contact,
                lambda _: _(
                    "Thank you! Noted: {answer}", answer=meeting_texts.answer_name(_, chosen)
                ),
            )
        elif answered is timeline.Answered.CANCELLED:
            await self.answer(contact, lambda _: _("This meeting was cancelled."))
        elif answered is timeline.Answered.CLOSED:
            await self.answer(
                contact,
                lambda _: _(
                    "Answering is closed: the police chief and the municipality have the "
                    "numbers. Plans changed? Let them know."
                ),
            )
        elif answered is timeline.Answered.NOT_A_MEMBER:
            await self.answer(
                contact, lambda _: _("Meal meetings are for the members of a network.")
            )
        else:
            await self.answer(contact, lambda _: _("This button no longer works."))

    async def on_progress(self, contact: Contact, action_id: int, done: bool) -> None:
        db = self.ctx.database
        action = await action_store.get(db, action_id)
        if action is None:
            await self.answer(contact, lambda _: _("This button no longer works."))
            return
        actor = await load_actor(db, contact.user_id, self.ctx.settings.access.coordinators)
        owner = actor.user_id == action.owner_id
        if not (owner and allowed(actor, Action.take_part, action.network_id)) and not allowed(
            actor, Action.record_action, action.network_id
        ):
            await self.answer(
                contact,
                lambda _: _(
                    "Only the person who does it, the police chief or the municipality can say "
                    "how it goes."
                ),
            )
            return
        if not action.is_open:
            await self.answer(contact, lambda _: _("This one is done already. 🎉"))
            return
        await agenda_rules.report_progress(self.ctx, action, done, contact.user_id)
        if done:
            await self.answer(contact, lambda _: _("Well done – thank you! 🎉"))
        else:
            await self.answer(contact, lambda _: _("Noted: in progress. Thank you!"))

    async def forget(self, contact: Contact) -> None:
        """FORGET ME, confirmed: the same as /forget; the last word goes straight out (the
        person, their link with it, is gone after)."""
        _ = await language_of(self.ctx, contact.user_id)
        name = await _name_of(self.ctx, contact.user_id)
        forgotten = await forget.forget(self.ctx, contact.user_id, name)
        if self.current is not None:
            # This very tap was recorded with her number and id: it goes now, and with a
            # checkpoint no copy of it stays in the write-ahead log either.
            await wa_links.handled(self.ctx.database, self.current, self.ctx.clock.now())
            await self.ctx.database.checkpoint()
        lines = [_("Done: everything we stored about you is deleted.")]
        if forgotten.departures:
            lines.append(
                _(
                    "You are no longer in {networks}. Thank you for everything you did for the "
                    "neighbourhood.",
                    networks=", ".join(d.network_name for d in forgotten.departures),
                )
            )
        await self.send_straight(contact.wa_user, "\n".join(lines))

    # --- answering ------------------------------------------------------------------------------

    async def answer(self, contact: Contact, compose: Compose) -> None:
        """An answer in the member's language, through the outbox on WhatsApp."""
        _ = await language_of(self.ctx, contact.user_id)
        composed = compose(_)
        text, buttons = composed if isinstance(composed, tuple) else (composed, ())
        await self.queue(contact, str(text), buttons)

    async def queue(self, contact: Contact, text: str, buttons: Keyboard = ()) -> None:
        rows = [[button.to_data() for button in row] for row in buttons]
        await wa_links.queue_answer(
            self.ctx.database, contact.user_id, text, rows, self.ctx.clock.now()
        )
        self.wake()

    async def send_straight(self, wa_user: str, text: str) -> None:
        if not await self.send_text(wa_user, as_whatsapp(text)[:TEXT_LIMIT]):
            log.warning("whatsapp: an answer to a member could not be sent straight away")


Compose = Callable[[Translator], "Html | str | tuple[Html | str, Keyboard]"]


async def _member(ctx: Context, network_id: int, user_id: int) -> bool:
    membership = await memberships.get(ctx.database, network_id, user_id)
    return membership is not None and membership.status == "approved"


async def _name_of(ctx: Context, user_id: int) -> str:
    """A name the person goes by, for /forget's search of texts (their Telegram name is not
    known here; their names in their networks are)."""
    names = [m.display_name for m in await memberships.for_user(ctx.database, user_id)]
    return next((n for n in names if n), "")


async def whatsapp_networks(ctx: Context, user_id: int) -> list[str]:
    """The names of the networks that reach the person on WhatsApp."""
    chosen = await store.channels_of(ctx.database, user_id)
    found = []
    for network_id, channel in chosen.items():
        if channel != store.WHATSAPP or not await _member(ctx, network_id, user_id):
            continue
        network = await networks.get(ctx.database, network_id)
        if network is not None:
            found.append(network.name)
    return sorted(found, key=str.casefold)


def split_text(text: str, limit: int) -> list[str]:
    """A long text in parts of at most `limit` characters, cut between lines where it can."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


# --- texts -------------------------------------------------------------------------------------


def how_to_link(_: Translator) -> str:
    return _(
        "Hello! This is the number of Bondgenoten, the neighbourhood networks. I don't know "
        "this WhatsApp yet. To link it: open /profile in the Bondgenoten bot on Telegram, tap "
        "📱 WhatsApp and send the code you get there from this phone. Not a member? Networks "
        "are invite-only: ask your coordinator."
    )


def refused_code_text(_: Translator, refusal: wa_links.Refusal) -> str:
    if refusal is wa_links.Refusal.EXPIRED:
        return _(
            "This code has expired. Make a new one with /profile → 📱 WhatsApp in the "
            "Bondgenoten bot on Telegram, and send it from here."
        )
    if refusal is wa_links.Refusal.USED:
        return _(
            "This code was used already; a code links one WhatsApp once. Make a new one with "
            "/profile → 📱 WhatsApp in the Bondgenoten bot on Telegram."
        )
    return _(
        "I don't know this code. Check it, or make a new one with /profile → 📱 WhatsApp in "
        "the Bondgenoten bot on Telegram."
    )


def too_many_tries_text(_: Translator) -> str:
    return _(
        "Too many tries from this number. For an hour I won't answer here or check codes; "
        "after that, send your code from /profile → 📱 WhatsApp once more."
    )


def linked_text(_: Translator, chosen: list[str]) -> Html:
    lines = [_("✅ Welcome on WhatsApp! This number is now linked to you.")]
    if chosen:
        lines.append(
            _("These networks reach you here from now on: {networks}.", networks=", ".join(chosen))
        )
    else:
        lines.append(
            _(
                "Your networks still reach you on Telegram. Choose WhatsApp per network in "
                "/profile on Telegram."
            )
        )
    lines.append(
        _("Write STOP to end messages here at once, MY DATA to see what we keep, HELP for more.")
    )
    return Html("\n\n").join(lines)


def taken_over_text(_: Translator) -> Html:
    return _(
        "📱 The WhatsApp you linked is now linked to someone else: they sent their own code "
        "from it. I reach you here on Telegram again; /profile links another WhatsApp."
    )


def linked_on_telegram_text(_: Translator, chosen: list[str]) -> Html:
    if chosen:
        return _(
            "📱 Your WhatsApp is linked. On WhatsApp from now on: {networks}. /profile changes "
            "it per network.",
            networks=", ".join(chosen),
        )
    return _("📱 Your WhatsApp is linked. Choose per network in /profile how I reach you.")


def stopped_text(_: Translator) -> Html:
    return _(
        "🛑 Stopped: you get no more messages on WhatsApp from us, from now on. Your networks "
        "reach you on Telegram only. Write START to get them here again."
    )


def started_text(_: Translator, chosen: list[str]) -> Html:
    if chosen:
        return _(
            "▶️ Welcome back: {networks} reach you here again. STOP ends it at any time.",
            networks=", ".join(chosen),
        )
    return _(
        "▶️ Messages here are on again. Choose per network in /profile on Telegram which ones "
        "reach you on WhatsApp. STOP ends it at any time."
    )


def help_text(_: Translator, chosen: list[str]) -> Html:
    lines = [
        _(
            "Here you get the alerts, meeting invitations and questions of your networks "
            "({networks}), with buttons to answer. Typing the word of a button counts as "
            "tapping it.",
            networks=", ".join(chosen) if chosen else _("none yet: choose in /profile on Telegram"),
        ),
        _(
            "STOP – no more messages here\nSTART – messages here again\nMY DATA – what we "
            "keep about you\nFORGET ME – delete everything we keep about you"
        ),
        _("The group chat and everything else stay on Telegram. 🚨 Emergency? Call 112."),
    ]
    return Html("\n\n").join(lines)


def forget_question(_: Translator) -> tuple[Html, Keyboard]:
    return (
        _(
            "Delete everything we store about you? This also takes you out of your networks "
            "and their group chats, and their police chief and municipality are told you "
            "left. This cannot be undone."
        ),
        # Short enough for WhatsApp's 20 characters of a reply button, in both languages.
        [[Button(_("Yes, delete all"), FORGET_YES)], [Button(_("No, keep it"), FORGET_NO)]],
    )


def forget_lapsed(_: Translator) -> Html:
    return _("Nothing was deleted: that question has lapsed. Write FORGET ME to ask again.")


def call_me_text(_: Translator, *, shared: bool) -> Html:
    if shared:
        return _(
            "📞 I asked the police chief and the municipality to call you. 🚨 Emergency? Call 112."
        )
    return _(
        "📞 I asked the police chief and the municipality to call you. You have not shared "
        "a phone number, so they may answer you here. 🚨 Emergency? Call 112."
    )


def consent_first_text(_: Translator) -> Html:
    return _(
        "Our privacy notice has changed. Send /profile to the Bondgenoten bot on Telegram to "
        "read what changed and agree; until then only alerts work here."
    )


def _stopped_reminder(_: Translator) -> Html:
    return _("You stopped messages from this number. Write START to get them again.")


def _no_longer_yours(_: Translator) -> Html:
    return _("This alert is no longer for you: you are not in its network any more.")


def _not_understood(_: Translator) -> Html:
    return _(
        "I did not understand that. Tap a button under my messages, or write HELP. For "
        "anything else: the group chat and /profile are on Telegram."
    )
