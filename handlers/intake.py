"""The intake: from an invite link to an application the hosts can approve.

`/start <code>` redeems the invite and introduces the network; then one question per message
(buttons where possible), explicit consent to the privacy notice, a review with a button per
answer, and Submit, which hands the application to the network's hosts and the coordinators.
The step reached is stored with every answer, so the conversation survives a restart; `/start`
resumes it and `/cancel` or the Cancel under every step drops it (the invite opens again). The
use cases (redeem, store, stop, submit and announce) live in `domain.intake`, the order of the
questions in `domain.intake_steps`, the texts and buttons in `domain.intake_texts`; this module
parses, asks and renders.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Html, Translator, translator
from bot.render import keyboard
from bot.replies import edit_message
from bot.settings import SUPPORTED_LANGUAGES
from domain import intake
from domain.intake_steps import (
    CORRECTABLE,
    TEXT_LIMITS,
    Position,
    Problem,
    Step,
    after,
    clean,
    correct,
    decode,
    name_offer,
)
from domain.intake_texts import (
    TYPED_FIELD,
    answered,
    consent_text,
    intro_text,
    no_consent_keyboard,
    no_consent_text,
    problem_text,
    question,
    refusal_text,
    review_keyboard,
    review_text,
    submitted_text,
)
from domain.labels import moment_text
from domain.ports import Keyboard
from handlers import conversation as talk
from handlers import fallback
from handlers import start as welcome
from storage import memberships
from storage.memberships import Membership, Submission
from storage.networks import Network

log = logging.getLogger(__name__)

# intake:<network id>:<step>:<answer>, e.g. intake:3:diet:halal or intake:3:review:submit.
CALLBACK = re.compile(r"^intake:(\d+):([a-z_]+):([a-z_]+)$")

# --- the phone question's keyboard (Telegram's contact button) ----------------------------


def phone_keyboard(_: Translator) -> ReplyKeyboardMarkup:
    """The phone question's own keyboard: Telegram's contact button, “No thanks” and Cancel
    (an inline Cancel cannot sit under a message with a reply keyboard)."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📱 Share my number"), request_contact=True)],
            [_("No thanks"), _("Cancel")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def pressed(text: str, label: str) -> bool:
    """Whether typed text is the reply-keyboard button `label` (a msgid), in any language."""
    labels = {translator(code)(label).casefold() for code in SUPPORTED_LANGUAGES}
    return text.strip().casefold() in labels


def no_thanks(text: str) -> bool:
    """Whether typed text is the “No thanks” button of the phone question."""
    return pressed(text, "No thanks")


def question_markup(
    _: Translator, position: Position, rows: Keyboard
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    """A question's buttons with Cancel under them; the phone question has its own keyboard."""
    if position.step is Step.PHONE:
        return phone_keyboard(_)
    return talk.with_cancel(_, keyboard(rows))


# --- the conversation ----------------------------------------------------------------------


async def current_intake(update: Update, context: BotContext) -> Membership | None:
    """The open intake of the person behind the update; the latest one if there are several."""
    assert update.effective_user
    return await intake.current(context.services, update.effective_user.id)


async def ask(update: Update, context: BotContext, membership: Membership) -> None:
    """Sends the question (or the review) the person is at."""
    assert update.effective_chat and update.effective_user
    _ = await context.texts()
    network = await intake.network_of(context.services, membership)
    position = decode(membership.intake_step)
    if position.step is Step.REVIEW:
        await update.effective_chat.send_message(
            review_text(_, network, membership),
            reply_markup=talk.with_cancel(_, keyboard(review_keyboard(_, network.id))),
        )
        return
    user = update.effective_user
    offer = name_offer(user.first_name, user.last_name)
    text, rows = question(_, network, position, offer=offer)
    asked = await update.effective_chat.send_message(
        text, reply_markup=question_markup(_, position, rows)
    )
    # Remembered so that its buttons (Cancel among them) go once it is answered by typing.
    state = {"network_id": membership.network_id, "asked": asked.message_id}
    await talk.open_flow(context.services, membership.user_id, "intake", "answer", state)


async def clear_asked(update: Update, context: BotContext) -> None:
    """The buttons under the question just answered by typing go: only the next one counts."""
    assert update.effective_user
    found = await talk.current(context.services, update.effective_user.id)
    asked = found.data.get("asked") if found is not None and found.flow == "intake" else None
    if asked is None:
        return
    try:
        await context.bot.edit_message_reply_markup(update.effective_user.id, int(asked))
    except TelegramError:  # no inline buttons (the phone question), or already gone
        log.debug("no buttons to clear under question %s", asked)


async def proceed(
    update: Update,
    context: BotContext,
    membership: Membership,
    position: Position,
    answers: dict[str, str | bool | None] | None = None,
    *,
    note: str | None = None,
) -> None:
    """Stores the answers and the next step, then (after `note`, if any) asks the next question."""
    assert update.effective_chat
    await clear_asked(update, context)
    saved = await intake.store(context.services, membership, position, answers)
    if saved is None:  # submitted or cancelled in the meantime
        return
    if note is not None:  # the answer to the phone question: its keyboard goes away
        await update.effective_chat.send_message(note, reply_markup=ReplyKeyboardRemove())
    await ask(update, context, saved)


async def start_intake(update: Update, context: BotContext) -> None:
    """/start with an invite code opens the intake; during an intake /start resumes it."""
    assert update.effective_user and update.effective_message
    svc = context.services
    code = context.args[0] if context.args else None
    membership = await current_intake(update, context)
    if membership is not None:
        await resume(update, context, membership, code)
        return
    if code is None:
        await welcome.start(update, context)
        return
    user = update.effective_user
    _ = await context.texts()
    opened = await intake.redeem(svc, code, user.id)
    if isinstance(opened, intake.Refused):
        log.info("refused an invite to user %s: %s", user.id, opened.refusal)
        await update.effective_message.reply_text(refusal_text(_, opened.refusal, opened.network))
        return
    await update.effective_message.reply_text(intro_text(_, opened.network, opened.role))
    await open_conversation(update, context, opened.membership)
    await ask(update, context, opened.membership)


async def resume(
    update: Update, context: BotContext, membership: Membership, code: str | None
) -> None:
    """Carries on where the person left off (a new link waits until this intake is done)."""
    assert update.effective_message
    _ = await context.texts()
    network = await intake.network_of(context.services, membership)
    text: str = _("Let's carry on with your application for {network}.", network=network.name)
    if code is not None and not await intake.opened_with(context.services, membership, code):
        text += "\n" + _(
            "Your other link stays valid: open it again once this application is "
            "submitted, or stop this one with /cancel."
        )
    await update.effective_message.reply_text(text)
    await open_conversation(update, context, membership)
    await ask(update, context, membership)


async def stop(update: Update, context: BotContext, membership: Membership) -> None:
    """/cancel, Cancel or "stop" at the consent: the answers go and the invite opens again."""
    assert update.effective_chat
    _ = await context.texts()
    svc = context.services
    stopped = await intake.stop(svc, membership)
    await talk.close(svc, membership.user_id, "intake")
    network = stopped.network
    if stopped.reopens_until is None:
        text = _(
            "Stopped. Your answers for {network} are deleted and nothing was sent to anyone. "
            "Your invite link is used up: if you change your mind, ask the person who invited "
            "you for a new one.",
            network=network.name,
        )
    else:
        text = _(
            "Stopped. Your answers for {network} are deleted and nothing was sent to anyone. "
            "Changed your mind? Open the same invite link again before {until}; after that, "
            "ask the person who invited you for a new one.",
            network=network.name,
            until=moment_text(
                _, stopped.reopens_until, svc.settings.bot.tz, this_year=svc.clock.now().year
            ),
        )
    await update.effective_chat.send_message(text, reply_markup=ReplyKeyboardRemove())


async def open_conversation(update: Update, context: BotContext, membership: Membership) -> None:
    """The intake is the person's open conversation: typed text is its answers."""
    svc = context.services
    state = {"network_id": membership.network_id}
    dropped = await talk.open_flow(svc, membership.user_id, "intake", "answer", state)
    await talk.tell_dropped(update, context, dropped)


async def take_text(update: Update, context: BotContext) -> bool:
    """The intake's step of the conversation: a typed answer, if an intake is open."""
    if await current_intake(update, context) is None:
        return False
    await answer_text(update, context)
    return True


async def stop_flow(update: Update, context: BotContext, conversation: Any) -> bool:
    """/cancel or Cancel during an intake: `stop` says what that means."""
    membership = await current_intake(update, context)
    if membership is None:
        return False
    await stop(update, context, membership)
    return True


async def answer_text(update: Update, context: BotContext) -> None:
    """A typed answer to the question the person is at; without an intake, the usual reply."""
    message = update.effective_message
    assert message and message.text is not None
    membership = await current_intake(update, context)
    if membership is None:
        await fallback.private_text(update, context)
        return
    _ = await context.texts()
    position = decode(membership.intake_step)
    step = position.step
    if step is Step.PHONE:
        if pressed(message.text, "Cancel"):  # the phone keyboard's Cancel, as /cancel
            await stop(update, context, membership)
        elif no_thanks(message.text):
            await message.reply_text(
                _("Fine, no phone number."), reply_markup=ReplyKeyboardRemove()
            )
            answers: dict[str, str | bool | None] = {
                "phone": None,
                "phone_to_hosts": False,
                "phone_to_members": False,
            }
            await proceed(update, context, membership, after(position), answers)
        else:
            await message.reply_text(
                _("Please use the buttons below: share your number, or “No thanks”."),
                reply_markup=phone_keyboard(_),
            )
        return
    if step not in TEXT_LIMITS:
        await message.reply_text(_("Please answer with one of the buttons:"))
        await ask(update, context, membership)
        return
    answer = clean(step, message.text)
    if isinstance(answer, Problem):
        await message.reply_text(problem_text(_, answer, TEXT_LIMITS[step]))
        return
    await proceed(update, context, membership, after(position), {TYPED_FIELD[step]: answer})


async def answer_contact(update: Update, context: BotContext) -> None:
    """A phone number shared with the contact button; only the person's own is accepted."""
    message = update.effective_message
    assert message and message.contact and update.effective_user
    membership = await current_intake(update, context)
    if membership is None:
        await fallback.private_text(update, context)
        return
    _ = await context.texts()
    position = decode(membership.intake_step)
    if position.step is not Step.PHONE:
        await message.reply_text(
            _("I didn't ask for a phone number just now. Here is the question:")
        )
        await ask(update, context, membership)
        return
    if message.contact.user_id != update.effective_user.id:
        log.info("refused someone else's contact from user %s", update.effective_user.id)
        await message.reply_text(
            _(
                "That is someone else's number. Please share your own with the button below, "
                "or tap “No thanks”."
            ),
            reply_markup=phone_keyboard(_),
        )
        return
    phone = message.contact.phone_number.strip()
    if not phone.startswith("+"):
        phone = f"+{phone}"
    await proceed(
        update,
        context,
        membership,
        after(position, has_phone=True),
        {"phone": phone},
        note=_("Thank you, noted: {phone}.", phone=phone),
    )


async def answer_button(update: Update, context: BotContext) -> None:
    """A button of an intake question or of the review."""
    query = update.callback_query
    assert query and query.data
    match = CALLBACK.match(query.data)
    assert match
    network_id, step_name, choice = int(match[1]), match[2], match[3]
    _ = await context.texts()
    db = context.services.database
    membership = await memberships.get(db, network_id, query.from_user.id)
    if membership is None or membership.status != "intake":
        text = (
            _("Your application has been sent already.")
            if membership is not None and membership.status == "awaiting_approval"
            else _("This application is no longer open.")
        )
        await query.answer(text, show_alert=True)
        return
    position = decode(membership.intake_step)
    if step_name != position.step:
        await query.answer(_("That question has been answered already."))
        return
    handled = await on_button(update, context, membership, position, choice)
    if not handled:
        log.warning("refused intake button %r from user %s", query.data, query.from_user.id)
        await query.answer(_("This button no longer works."), show_alert=True)


async def on_button(
    update: Update,
    context: BotContext,
    membership: Membership,
    position: Position,
    choice: str,
) -> bool:
    """Acts on a button of the current question; False if the choice is not one of its own."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    svc = context.services
    network = await intake.network_of(context.services, membership)
    step = position.step
    offer = name_offer(query.from_user.first_name, query.from_user.last_name)
    answer = intake.button_answer(_, position, choice, offer)
    if answer is not None:
        saved = await intake.choose(svc, membership, answer)
        if answer.language is not None:
            context.forget_texts()  # the next question speaks the language just chosen
        await query.answer()
        text, _markup = question(_, network, position)
        await edit_message(query, answered(text, answer.label))
        if saved is not None:
            await ask(update, context, saved)
    elif step is Step.CONSENT and choice == "no":
        await intake.decline_consent(svc, membership)
        await query.answer()
        text = Html(f"{consent_text(_, network)}\n\n{no_consent_text(_)}")
        await edit_message(query, text, keyboard(no_consent_keyboard(_, network.id)))
    elif step is Step.CONSENT and choice == "stop":
        await query.answer()
        await edit_message(query, consent_text(_, network))
        await stop(update, context, membership)
    elif step is Step.REVIEW and choice in CORRECTABLE:
        await query.answer()
        await edit_message(query, review_text(_, network, membership))
        await proceed(update, context, membership, correct(Step(choice)))
    elif step is Step.REVIEW and choice == "submit":
        await query.answer()
        await submit(update, context, membership, network)
    else:
        return False
    return True


async def submit(
    update: Update, context: BotContext, membership: Membership, network: Network
) -> None:
    """Hands the application to the hosts, or goes back to what is still missing."""
    query = update.callback_query
    assert query and update.effective_chat
    _ = await context.texts()
    svc = context.services
    outcome = await intake.submit(svc, membership, network)
    if outcome is Submission.NO_CONSENT:
        await proceed(update, context, membership, Position(Step.CONSENT))
        return
    if outcome is Submission.INCOMPLETE:
        await proceed(update, context, membership, correct(Step.NAME))
        return
    if outcome is Submission.NOT_IN_INTAKE:
        return
    await talk.close(svc, membership.user_id, "intake")
    await edit_message(query, answered(review_text(_, network, membership), _("Submitted")))
    await update.effective_chat.send_message(submitted_text(_, network))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start_intake, filters=private))
    application.add_handler(MessageHandler(private & filters.CONTACT, answer_contact))
    application.add_handler(CallbackQueryHandler(answer_button, pattern=CALLBACK))
