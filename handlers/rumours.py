"""The rumour desk on Telegram (`domain.rumours`).

- `/rumour` (or `/start rumour`, the group's pointer): a member picks the network (buttons,
  only when in several), types what goes round, sees a preview and sends it (flow `rumour`).
- Each host's copy: ✅ / ❌ / ❔ (`rum:v:<id>:<verdict>`) and 📣 (`rum:c:<id>`), which opens the
  counter-message: its text, its label (`rum:l:<label>`), a preview and Send (`rum:cs`, flow
  `counter`).
- `/rumours`: the open rumours of the networks the host reads, a page at a time (`rum:p:<n>`),
  with the same verdicts by number (`rum:lv:<id>:<verdict>:<page>`).
- In a network's group chat, a text that passes on a rumour gets one short pointer to the
  private chat, at most once per `POINTER_PAUSE` per group (the bot is an administrator
  there, so it reads the group's texts; it keeps nothing of them).
"""

from __future__ import annotations

import functools
import html
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import services
from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.render import keyboard
from bot.replies import edit_message, reply_text, send_text
from bot.services import Services
from domain import rumour_texts as texts
from domain import rumours
from domain.access import Actor
from domain.ports import Keyboard
from handlers import conversation as talk
from handlers import guard
from handlers.common import more_choices, network_rows
from storage import group_chats, networks
from storage import rumours as store
from storage.conversations import Conversation
from storage.networks import Network
from storage.rumours import Rumour

log = logging.getLogger(__name__)

RAISE_FLOW = "rumour"
COUNTER_FLOW = "counter"
POINTER_PAUSE = timedelta(minutes=10)  # a group hears the pointer at most once in this long
_POINTED = "rumour_pointer_at"  # bot_data: group chat id → when it last heard the pointer
CARDS_SWEEP = 60.0  # seconds: copies whose edit failed are tried again, also after a restart


def plain(text: str) -> str:
    """A text for a button's alert, which Telegram shows as plain text: names unescaped."""
    return html.unescape(str(text))


def markup(_: Translator, rows: Keyboard = (), *, cancel: bool = False) -> InlineKeyboardMarkup:
    shown = keyboard(rows)
    return talk.with_cancel(_, shown) if cancel else (shown or InlineKeyboardMarkup([]))


# --- the member: /rumour ------------------------------------------------------------------------


async def rumour_command(update: Update, context: BotContext) -> None:
    """/rumour, or /rumour with what goes round typed after it."""
    await begin(update, context, " ".join(context.args or []).strip())


async def deep_link(update: Update, context: BotContext) -> None:
    """/start rumour: the button under the group's pointer."""
    await begin(update, context, "")


async def begin(update: Update, context: BotContext, typed: str) -> None:
    """Which network (if several), then what goes round (unless typed already)."""
    message, user = update.effective_message, update.effective_user
    assert message and user
    _ = await context.texts()
    svc = context.services
    actor = await guard.actor_of(update, context)
    mine = rumours.member_networks(actor, await networks.all(svc.database))
    if not mine:
        log.info("refused /rumour to user %s: in no network", user.id)
        await message.reply_text(texts.not_member(_))
        return
    if len(mine) == 1:
        await ask_text(update, context, mine[0], typed)
        return
    dropped = await talk.open_flow(svc, user.id, RAISE_FLOW, "network", {"text": typed})
    await talk.tell_dropped(update, context, dropped)
    await ask_network(update, context, mine)


async def ask_network(update: Update, context: BotContext, mine: list[Network]) -> None:
    assert update.effective_chat
    _ = await context.texts()
    rows = network_rows(mine, lambda n: f"{texts.NETWORK}:{n.id}")
    text = texts.which_network(_) + more_choices(_, mine, "/rumour")
    await update.effective_chat.send_message(
        text, reply_markup=talk.with_cancel(_, InlineKeyboardMarkup(rows))
    )


async def ask_text(update: Update, context: BotContext, network: Network, typed: str) -> None:
    """The rumour's network is known: ask what goes round, or check what was typed."""
    assert update.effective_user and update.effective_chat
    _ = await context.texts()
    data = {"network_id": network.id}
    dropped = await talk.open_flow(
        context.services, update.effective_user.id, RAISE_FLOW, "text", data
    )
    await talk.tell_dropped(update, context, dropped)
    if typed:
        await _check_and_preview(update, context, network, typed, data)
        return
    await update.effective_chat.send_message(
        texts.ask_text(_, network), reply_markup=talk.with_cancel(_)
    )


async def network_picked(update: Update, context: BotContext) -> None:
    """A network chosen for the rumour."""
    query, user = update.callback_query, update.effective_user
    assert query and query.data and user
    _ = await context.texts()
    svc = context.services
    network = await networks.get(svc.database, int(query.data.split(":")[2]))
    actor = await guard.actor_of(update, context)
    if network is None or not rumours.may_raise(actor, network):
        log.info("refused a rumour network button to user %s", actor.user_id)
        await query.answer(texts.not_member(_), show_alert=True)
        return
    found = await talk.current(svc, user.id)
    typed = str(found.data.get("text") or "") if found and found.flow == RAISE_FLOW else ""
    await query.answer()
    await edit_message(
        query,
        Html("{question}\n→ {name}").format(question=texts.which_network(_), name=network.name),
    )
    await ask_text(update, context, network, typed)


async def _check_and_preview(
    update: Update, context: BotContext, network: Network, text: str, data: dict[str, Any]
) -> None:
    """An empty or too long rumour is asked again; otherwise the preview with Send."""
    assert update.effective_user and update.effective_chat
    _ = await context.texts()
    chat = update.effective_chat
    if rumours.is_empty(text):
        log.info("user %s typed an empty rumour", update.effective_user.id)
        await chat.send_message(texts.empty_text(_), reply_markup=talk.with_cancel(_))
        return
    if len(text) > rumours.TEXT_LIMIT:
        await chat.send_message(
            texts.too_long(_, len(text), rumours.TEXT_LIMIT), reply_markup=talk.with_cancel(_)
        )
        return
    await talk.open_flow(
        context.services, update.effective_user.id, RAISE_FLOW, "preview", {**data, "text": text}
    )
    await send_text(
        context.bot,
        chat.id,
        texts.preview(_, network, text),
        markup(_, texts.preview_buttons(_), cancel=True),
    )


async def _raise_text(update: Update, context: BotContext, found: Conversation) -> bool:
    message = update.effective_message
    assert message and message.text and update.effective_user
    _ = await context.texts()
    svc = context.services
    if found.step == "network":  # typed before choosing the network: kept for after it
        await talk.open_flow(
            svc, update.effective_user.id, RAISE_FLOW, "network", {"text": message.text.strip()}
        )
        actor = await guard.actor_of(update, context)
        await ask_network(
            update, context, rumours.member_networks(actor, await networks.all(svc.database))
        )
        return True
    network = await networks.get(svc.database, int(found.data.get("network_id") or 0))
    if network is None:
        await talk.close(svc, update.effective_user.id, RAISE_FLOW)
        await message.reply_text(_("That network no longer exists."))
        return True
    await _check_and_preview(update, context, network, message.text.strip(), found.data)
    return True


async def send_pressed(update: Update, context: BotContext) -> None:
    """Send under the preview: the rumour goes to the hosts, once."""
    query, user = update.callback_query, update.effective_user
    assert query and user
    _ = await context.texts()
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None or found.flow != RAISE_FLOW or found.step != "preview":
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    network = await networks.get(svc.database, int(found.data.get("network_id") or 0))
    actor = await guard.actor_of(update, context)
    await talk.close(svc, user.id, RAISE_FLOW)
    if network is None or not rumours.may_raise(actor, network):
        await query.answer(texts.not_member(_), show_alert=True)
        return
    raised = await rumours.raise_rumour(svc, network, user.id, str(found.data.get("text")))
    await query.answer()
    if raised.rumour is None:
        await edit_message(query, texts.no_hosts(_, network))
        return
    await edit_message(query, texts.sent(_, network))


# --- the hosts: each copy, /rumours ---------------------------------------------------------------


async def _readable(
    update: Update, context: BotContext, rumour_id: int
) -> tuple[Actor, Rumour, Network] | None:
    """The rumour behind a button, if it is kept and the presser reads its network; otherwise
    they hear why (and a copy of a rumour that is gone loses its buttons)."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    svc = context.services
    rumour = await store.get(svc.database, rumour_id)
    network = await networks.get(svc.database, rumour.network_id) if rumour else None
    actor = await guard.actor_of(update, context)
    if network is not None and not await rumours.may_read(svc, actor, network):
        log.info("refused rumour %s to user %s", rumour_id, actor.user_id)
        await query.answer(plain(texts.not_reader(_, network)), show_alert=True)
        return None
    if rumour is None or network is None or rumour.text is None:
        await query.answer(texts.gone(_), show_alert=True)
        message = query.message
        if isinstance(message, Message) and message.reply_markup and rumour is None:
            try:
                await query.edit_message_reply_markup(None)
            except TelegramError as exc:
                log.info("could not take the buttons off a gone rumour: %s", exc)
        return None
    return actor, rumour, network


async def _show_card(update: Update, context: BotContext, rumour: Rumour) -> None:
    """The pressed copy shows the rumour as it is now, and is kept so from here on."""
    query = update.callback_query
    assert query and update.effective_user
    _ = await context.texts()
    svc = context.services
    shown = await rumours.card(svc, _, rumour, update.effective_user.id)
    if shown is None:
        return
    text, rows = shown
    await edit_message(query, text, keyboard(rows))
    message = query.message
    if isinstance(message, Message):
        await rumours.shown_here(svc, message.chat_id, message.message_id, rumour)


async def _judge(update: Update, context: BotContext, rumour_id: int, status: str) -> Rumour | None:
    """A verdict pressed (on a copy or in the list); the rumour as it is now, or None."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    svc = context.services
    found = await _readable(update, context, rumour_id)
    if found is None:
        return None
    actor, rumour, network = found
    message = query.message
    shown = (message.chat_id, message.message_id) if isinstance(message, Message) else None
    judged = await rumours.judge(svc, rumour, status, actor.user_id, shown)
    if judged.outcome is rumours.Outcome.GONE or judged.rumour is None:
        await query.answer(texts.gone(_), show_alert=True)
        return None
    now_is = judged.rumour
    if judged.outcome is rumours.Outcome.SAME:
        who = await rumours.name_in(svc, _, network.id, now_is.judged_by)
        when = rumours.when_text(_, svc, now_is.judged_at)
        await query.answer(plain(texts.already(_, now_is.status, who, when)), show_alert=True)
    else:
        await query.answer(texts.marked(_, status))
    return now_is


async def verdict_pressed(update: Update, context: BotContext) -> None:
    """✅ / ❌ / ❔ on a host's copy: recorded once; the copy shows who judged."""
    query = update.callback_query
    assert query and query.data
    read = rumours.read_card(query.data)
    assert read is not None
    now_is = await _judge(update, context, *read)
    if now_is is not None:
        await _show_card(update, context, now_is)


LIST_VERDICT = re.compile(r"^rum:lv:(\d{1,20}):(true|false|unknown):(\d{1,4})$")


async def list_verdict_pressed(update: Update, context: BotContext) -> None:
    """A verdict from /rumours: recorded, and the list shows what is still open."""
    query = update.callback_query
    assert query and query.data
    found = LIST_VERDICT.match(query.data)
    assert found is not None
    now_is = await _judge(update, context, int(found[1]), found[2])
    if now_is is not None:
        await _show_page(update, context, int(found[3]))


async def rumours_command(update: Update, context: BotContext) -> None:
    """/rumours: the open rumours of the networks this host reads."""
    message = update.effective_message
    assert message
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    page = await rumours.open_page(context.services, _, actor, 0)
    if page is None:
        log.info("refused /rumours to user %s", actor.user_id)
        await message.reply_text(texts.not_reader_anywhere(_))
        return
    await reply_text(message, page.text, keyboard(page.buttons))


async def _show_page(update: Update, context: BotContext, number: int) -> None:
    query = update.callback_query
    assert query
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    page = await rumours.open_page(context.services, _, actor, number)
    if page is None:
        await edit_message(query, texts.not_reader_anywhere(_))
        return
    await edit_message(query, page.text, keyboard(page.buttons))


async def page_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and query.data
    await query.answer()
    await _show_page(update, context, int(query.data.split(":")[2]))


# --- the counter-message ------------------------------------------------------------------


async def counter_pressed(update: Update, context: BotContext) -> None:
    """📣: a host starts the counter-message for a rumour (one per rumour)."""
    query, user = update.callback_query, update.effective_user
    assert query and query.data and user and update.effective_chat
    _ = await context.texts()
    svc = context.services
    found = await _readable(update, context, int(query.data.split(":")[2]))
    if found is None:
        return
    _actor, rumour, network = found
    if rumour.counter_sent_at is not None:
        who = await rumours.name_in(svc, _, network.id, rumour.counter_by)
        await query.answer(plain(texts.counter_already(_, who)), show_alert=True)
        return
    await query.answer()
    dropped = await talk.open_flow(svc, user.id, COUNTER_FLOW, "text", {"rumour_id": rumour.id})
    await talk.tell_dropped(update, context, dropped)
    await update.effective_chat.send_message(
        texts.ask_counter(_, rumour, rumours.COUNTER_LIMIT), reply_markup=talk.with_cancel(_)
    )


async def _counter_text(update: Update, context: BotContext, found: Conversation) -> bool:
    message = update.effective_message
    assert message and message.text and update.effective_user
    _ = await context.texts()
    text = message.text.strip()
    if sum(c.isalnum() for c in text) < 3:
        await message.reply_text(texts.counter_empty(_), reply_markup=talk.with_cancel(_))
        return True
    if len(text) > rumours.COUNTER_LIMIT:
        await message.reply_text(
            texts.counter_too_long(_, len(text), rumours.COUNTER_LIMIT),
            reply_markup=talk.with_cancel(_),
        )
        return True
    data = {"rumour_id": found.data.get("rumour_id"), "text": text}
    await talk.open_flow(context.services, update.effective_user.id, COUNTER_FLOW, "label", data)
    await message.reply_text(
        texts.ask_label(_), reply_markup=markup(_, texts.label_buttons(_), cancel=True)
    )
    return True


async def label_pressed(update: Update, context: BotContext) -> None:
    """May be shared / Network only: then the preview, as members will get it."""
    query, user = update.callback_query, update.effective_user
    assert query and query.data and user
    _ = await context.texts()
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None or found.flow != COUNTER_FLOW or found.step not in ("label", "preview"):
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    label = query.data.split(":")[2]
    readable = await _readable(update, context, int(found.data.get("rumour_id") or 0))
    if readable is None:
        await talk.close(svc, user.id, COUNTER_FLOW)
        return
    network = readable[2]
    text = str(found.data.get("text"))
    await talk.open_flow(svc, user.id, COUNTER_FLOW, "preview", {**found.data, "label": label})
    body = await rumours.counter_body(svc, _, network, text, label, user.id)
    reach = len(await rumours.reach(svc, network.id, user.id))
    await query.answer()
    await edit_message(
        query,
        texts.counter_preview(_, body, reach),
        markup(_, texts.counter_preview_buttons(_), cancel=True),
    )


async def send_counter_pressed(update: Update, context: BotContext) -> None:
    """Send under the counter-message's preview: to every member of the network, once."""
    query, user = update.callback_query, update.effective_user
    assert query and user
    _ = await context.texts()
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None or found.flow != COUNTER_FLOW or found.step != "preview":
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    readable = await _readable(update, context, int(found.data.get("rumour_id") or 0))
    await talk.close(svc, user.id, COUNTER_FLOW)
    if readable is None:
        return
    _actor, rumour, network = readable
    text, label = str(found.data.get("text")), str(found.data.get("label"))
    reached = await rumours.send_counter(svc, rumour, text, label, user.id)
    if reached is None:
        now_is = await store.get(svc.database, rumour.id)
        who = await rumours.name_in(svc, _, network.id, now_is.counter_by if now_is else None)
        await query.answer(plain(texts.counter_already(_, who)), show_alert=True)
        await edit_message(query, texts.counter_already(_, who))
        return
    await query.answer()
    await edit_message(query, texts.counter_sent(_, network, reached))


async def take_text(update: Update, context: BotContext) -> bool:
    """Typed text while a rumour or a counter-message is being written."""
    user = update.effective_user
    if user is None or update.effective_message is None or not update.effective_message.text:
        return False
    found = await talk.current(context.services, user.id)
    if found is None:
        return False
    if found.flow == RAISE_FLOW and found.step in ("network", "text", "preview"):
        return await _raise_text(update, context, found)
    if found.flow == COUNTER_FLOW and found.step in ("text", "label", "preview"):
        return await _counter_text(update, context, found)
    return False


async def _describe_raise(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your rumour")


async def _describe_counter(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your counter-message")


# --- the group chat ------------------------------------------------------------------------------


async def group_text(update: Update, context: BotContext) -> None:
    """A rumour typed into a network's group: one short pointer to the private chat, not
    more than once per `POINTER_PAUSE` in that group. Nothing of the text is kept."""
    message = update.effective_message
    if message is None or not message.text or not rumours.looks_like_rumour(message.text):
        return
    svc = context.services
    chat = await group_chats.get(svc.database, message.chat_id)
    if chat is None or chat.network_id is None:
        return  # not a network's group: not ours to answer
    now = svc.clock.now()
    pointed: dict[int, datetime] = context.bot_data.setdefault(_POINTED, {})
    last = pointed.get(message.chat_id)
    if last is not None and now - last < POINTER_PAUSE:
        log.info("group %s: a rumour again, pointer given at %s", message.chat_id, last)
        return
    pointed[message.chat_id] = now
    _ = await context.texts()
    log.info("group %s: pointed to /rumour", message.chat_id)
    await message.chat.send_message(
        texts.group_pointer(_),
        reply_markup=keyboard(texts.group_pointer_button(_, context.bot.username)),
    )


# --- registration --------------------------------------------------------------------------------


async def settle_cards(context: BotContext) -> None:
    """At start and every minute: copies whose edit did not go through yet."""
    rumours.kick(context.services)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before the intake: `/start rumour` is ours, not an invite code."""
    private = filters.ChatType.PRIVATE
    application.add_handler(
        CommandHandler("start", deep_link, filters=private & filters.Regex(r"^/start rumour$"))
    )
    application.add_handler(CommandHandler("rumour", rumour_command, filters=private))
    application.add_handler(CommandHandler("rumours", rumours_command, filters=private))
    application.add_handler(CallbackQueryHandler(network_picked, pattern=r"^rum:n:\d{1,20}$"))
    application.add_handler(CallbackQueryHandler(send_pressed, pattern=r"^rum:s$"))
    application.add_handler(CallbackQueryHandler(verdict_pressed, pattern=rumours.CARD_ACTION))
    application.add_handler(CallbackQueryHandler(list_verdict_pressed, pattern=LIST_VERDICT))
    application.add_handler(CallbackQueryHandler(page_pressed, pattern=r"^rum:p:\d{1,4}$"))
    application.add_handler(CallbackQueryHandler(counter_pressed, pattern=r"^rum:c:\d{1,20}$"))
    application.add_handler(
        CallbackQueryHandler(label_pressed, pattern=r"^rum:l:(shareable|network)$")
    )
    application.add_handler(CallbackQueryHandler(send_counter_pressed, pattern=r"^rum:cs$"))
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, group_text)
    )
    talk.add_flow(application, talk.Flow(RAISE_FLOW, take_text, _describe_raise, "/rumour"))
    talk.add_flow(application, talk.Flow(COUNTER_FLOW, take_text, _describe_counter, "/rumours"))
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(rumours.on_delivery, svc))
    svc.outage_listeners.append(functools.partial(rumours.on_outage, svc))
    assert application.job_queue is not None
    application.job_queue.run_once(settle_cards, when=0, name="rumour-cards-at-start")
    application.job_queue.run_repeating(
        settle_cards, interval=CARDS_SWEEP, first=CARDS_SWEEP, name="rumour-cards-sweep"
    )
