"""The intake: from an invite link to an application the hosts can approve.

`/start <code>` redeems the invite and introduces the network; then one question per message
(buttons where possible), explicit consent to the privacy notice, a review with a button per
answer, and Submit, which hands the application to the network's hosts and the coordinators.
The step reached is stored with every answer, so the conversation survives a restart; `/start`
resumes it and `/cancel` drops it. The order of the questions lives in `bot.intake_steps`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import notify
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, Html, Translator, escape, translator
from bot.intake_steps import (
    CORRECTABLE,
    DIETS,
    OTHER_DIET,
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
from bot.replies import edit_message
from bot.settings import SUPPORTED_LANGUAGES
from domain.labels import diet_name, moment
from handlers import conversation as talk
from handlers import fallback
from handlers import start as welcome
from storage import invites, memberships, networks, people
from storage.invites import Refusal
from storage.memberships import Membership, Submission
from storage.networks import Network

log = logging.getLogger(__name__)

# intake:<network id>:<step>:<answer>, e.g. intake:3:diet:halal or intake:3:review:submit.
CALLBACK = re.compile(r"^intake:(\d+):([a-z_]+):([a-z_]+)$")

# Which membership column a typed answer goes to.
TYPED_FIELD = {
    Step.NAME: "display_name",
    Step.ORGANISATION: "organisation",
    Step.REACH: "reach",
    Step.DIET_OTHER: "diet",
}


def button_data(network_id: int, step: Step, answer: str) -> str:
    return f"intake:{network_id}:{step}:{answer}"


def decision_data(verdict: str, network_id: int, user_id: int) -> str:
    """The hosts' Approve/Reject buttons, handled in `handlers.approval`."""
    return f"decide:{verdict}:{network_id}:{user_id}"


# --- texts ---------------------------------------------------------------------------------


def role_name(_: Translator, role: str) -> str:
    names = {
        "police_chief": _("police chief"),
        "municipality": _("municipality contact"),
        "key_figure": _("key figure"),
    }
    return names.get(role, role)


def intro_text(_: Translator, network: Network, role: str) -> str:
    """What the person is entering, and the agreement, before the first question."""
    where = (
        _("<b>{network}</b> ({area})", network=network.name, area=network.area)
        if network.area
        else _("<b>{network}</b>", network=network.name)
    )
    return _(
        "Welcome! You are invited to join the network {where} as {role}.\n\n"
        "In this network the police, the municipality and people from the neighbourhood keep "
        "in touch, meet over a meal a few times a year and act together after incidents.\n\n"
        "<b>What we agree on</b>\n"
        "• Membership is not without obligation: after an incident, members can be called on.\n"
        "• What is shared stays in the network, unless it is marked as shareable.\n"
        "• This bot is not an emergency line. 🚨 In an emergency, call 112.\n\n"
        "A few questions follow, one at a time. /cancel stops at any moment.",
        where=Html(where),
        role=role_name(_, role),
    )


def refusal_text(_: Translator, refusal: Refusal, network: Network | None = None) -> str:
    if refusal is Refusal.APPLIED and network is not None:
        return _(
            "You have already applied to {network}: your application is with its hosts. You "
            "will hear from me as soon as they decide. You don't need this link; it stays "
            "unused.",
            network=network.name,
        )
    if refusal is Refusal.EXPIRED:
        return _(
            "This invite link has expired. Please ask the person who invited you for a new one."
        )
    if refusal is Refusal.USED:
        return _(
            "This invite link has already been used. Each link is for one person only: please "
            "ask the person who invited you for a new one."
        )
    if refusal is Refusal.REVOKED:
        return _(
            "This invite link was withdrawn. If you think that is a mistake, please talk to "
            "the person who invited you."
        )
    if refusal is Refusal.ALREADY_MEMBER:
        return _("You are already a member of this network, so you don't need this link. 🙂")
    return _(
        "Sorry, this link doesn't work. Please check that you opened the whole link, or ask "
        "the person who invited you for a new one."
    )


def problem_text(_: Translator, problem: Problem, limit: int) -> str:
    if problem is Problem.EMPTY:
        return _("I didn't get an answer there. Please type a few words.")
    return _("That is a bit long: at most {limit} characters, please.", limit=limit)


def question(
    _: Translator, network: Network, position: Position, *, offer: str | None = None
) -> tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup | None]:
    """The text and buttons of one intake question (not the review)."""
    step, nid = position.step, network.id
    if step is Step.NAME:
        text = _("What name should the network know you by? Type it, or tap your Telegram name.")
        if offer is None:
            return text, None
        mine = InlineKeyboardButton(offer, callback_data=button_data(nid, step, "tg"))
        return text, InlineKeyboardMarkup([[mine]])
    if step is Step.ORGANISATION:
        text = _(
            "Are you active in an organisation? A foundation, sports club, mosque, church, "
            "residents' association… Type its name, or skip this question."
        )
        skip = InlineKeyboardButton(_("Skip"), callback_data=button_data(nid, step, "skip"))
        return text, InlineKeyboardMarkup([[skip]])
    if step is Step.REACH:
        return _(
            "Which people or communities do you reach? For example: young people in the "
            "neighbourhood, parents at a school, a church congregation. A few words are enough."
        ), None
    if step is Step.PHONE:
        return _(
            "Would you like to leave your phone number? After an incident, members like to "
            "reach each other quickly. Share it with the button below, or tap “No thanks”."
        ), phone_keyboard(_)
    if step is Step.SHARE_PHONE:
        yes, no = button_data(nid, step, "yes"), button_data(nid, step, "no")
        return _(
            "Show your number to the other members of {network} in the members' directory? "
            "If not, no member sees it.",
            network=network.name,
        ), InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Yes, show it"), callback_data=yes)],
                [InlineKeyboardButton(_("No, keep it private"), callback_data=no)],
            ]
        )
    if step is Step.DIET:
        options = [(diet, diet_name(_, diet)) for diet in DIETS] + [(OTHER_DIET, _("Other…"))]
        rows = [
            [
                InlineKeyboardButton(label, callback_data=button_data(nid, step, diet))
                for diet, label in options[i : i + 2]
            ]
            for i in range(0, len(options), 2)
        ]
        return _(
            "The network meets over a meal about five times a year. "
            "Do you have dietary needs we should keep in mind?"
        ), InlineKeyboardMarkup(rows)
    if step is Step.DIET_OTHER:
        return _("What should we keep in mind for the meals? A few words are enough."), None
    if step is Step.LANGUAGE:
        languages = [
            InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=button_data(nid, step, code))
            for code in SUPPORTED_LANGUAGES
        ]
        return _("Which language shall I write to you in?"), InlineKeyboardMarkup([languages])
    if step is Step.CONSENT:
        return consent_text(_, network), consent_keyboard(_, nid)
    raise ValueError(f"{step} is not a question")


def phone_keyboard(_: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Share my number"), request_contact=True)], [_("No thanks")]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def no_thanks(text: str) -> bool:
    """Whether typed text is the “No thanks” button of the phone question, in any language."""
    labels = {translator(code)("No thanks").casefold() for code in SUPPORTED_LANGUAGES}
    return text.strip().casefold() in labels


def consent_text(_: Translator, network: Network) -> str:
    return _(
        "<b>Privacy</b>: before anything goes to the hosts, please read this.\n\n"
        "<b>What we store:</b> your answers, your Telegram user id and, if you gave it, your "
        "phone number.\n"
        "<b>Who sees it:</b> the hosts of {network} (its police chief and municipality "
        "contact) and the coordinators. Other members see your name, organisation and the "
        "communities you reach – and your phone number only if you chose to show it.\n"
        "<b>Why:</b> to run the network, nothing else. Nothing is sold or passed on.\n"
        "<b>How long:</b> as long as you are a member. /mydata shows everything, /forget "
        "deletes it.\n\n"
        "Do you agree?",
        network=network.name,
    )


def consent_keyboard(_: Translator, network_id: int) -> InlineKeyboardMarkup:
    yes, no = (button_data(network_id, Step.CONSENT, choice) for choice in ("yes", "no"))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("I agree"), callback_data=yes)],
            [InlineKeyboardButton(_("I don't agree"), callback_data=no)],
        ]
    )


def no_consent_keyboard(_: Translator, network_id: int) -> InlineKeyboardMarkup:
    yes, stop = (button_data(network_id, Step.CONSENT, choice) for choice in ("yes", "stop"))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("I agree after all"), callback_data=yes)],
            [InlineKeyboardButton(_("Stop my application"), callback_data=stop)],
        ]
    )


def no_consent_text(_: Translator) -> str:
    return _(
        "That's fine, and your choice. Without your consent I can't pass your application "
        "to the hosts, so you can't join the network: nothing has been sent to anyone.\n\n"
        "Changed your mind? Tap “I agree after all”. Or stop, and your answers are deleted."
    )


def review_text(_: Translator, network: Network, membership: Membership) -> str:
    """All answers in one message, to check before submitting."""
    if membership.phone:
        phone = (
            _("{phone} (shown to members)", phone=membership.phone)
            if membership.share_phone
            else _("{phone} (not shown to members)", phone=membership.phone)
        )
    else:
        phone = _("not given")
    return _(
        "<b>Your application for {network}</b>\n\n"
        "<b>Name:</b> {name}\n"
        "<b>Organisation:</b> {organisation}\n"
        "<b>Communities you reach:</b> {reach}\n"
        "<b>Phone:</b> {phone}\n"
        "<b>Meals:</b> {diet}\n"
        "<b>Language:</b> {language}\n\n"
        "Is everything right? Tap an answer to change it, or submit.",
        network=network.name,
        name=membership.display_name or "–",
        organisation=membership.organisation or _("none"),
        reach=membership.reach or "–",
        phone=phone,
        diet=diet_name(_, membership.diet),
        language=LANGUAGE_NAMES.get(_.language, _.language),
    )


def review_keyboard(_: Translator, network_id: int) -> InlineKeyboardMarkup:
    labels = {
        Step.NAME: _("✏️ Name"),
        Step.ORGANISATION: _("✏️ Organisation"),
        Step.REACH: _("✏️ Communities"),
        Step.PHONE: _("✏️ Phone"),
        Step.DIET: _("✏️ Meals"),
        Step.LANGUAGE: _("✏️ Language"),
    }
    fixes = [
        InlineKeyboardButton(labels[step], callback_data=button_data(network_id, Step.REVIEW, step))
        for step in CORRECTABLE
    ]
    rows = [fixes[i : i + 2] for i in range(0, len(fixes), 2)]
    submit = button_data(network_id, Step.REVIEW, "submit")
    rows.append([InlineKeyboardButton(_("✅ Submit"), callback_data=submit)])
    return InlineKeyboardMarkup(rows)


def submitted_text(_: Translator, network: Network) -> str:
    return _(
        "Thank you! Your application for {network} is now awaiting approval.\n\n"
        "What happens next: one of the hosts will contact you for a one-to-one conversation "
        "– to get to know each other and to answer your questions. After that they decide, "
        "and I'll let you know.",
        network=network.name,
    )


def application_text(_: Translator, network: Network, membership: Membership) -> str:
    """An application as the hosts see it: no phone number unless the person chose to show it."""
    name = membership.display_name or "–"
    mention = Html(f'<a href="tg://user?id={int(membership.user_id)}">{escape(name)}</a>')
    lines = [
        _("📝 <b>New application for {network}</b>", network=network.name),
        "",
        _("<b>Name:</b> {name}", name=mention),
        _("<b>Role:</b> {role}", role=role_name(_, membership.role)),
        _("<b>Organisation:</b> {organisation}", organisation=membership.organisation or "–"),
        _("<b>Communities they reach:</b> {reach}", reach=membership.reach or "–"),
        _("<b>Meals:</b> {diet}", diet=diet_name(_, membership.diet)),
    ]
    if membership.phone and membership.share_phone:
        lines.append(_("<b>Phone:</b> {phone}", phone=membership.phone))
    lines += ["", _("Please talk with them one-to-one before you decide.")]
    return "\n".join(lines)


def application_keyboard(_: Translator, network_id: int, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Approve"), callback_data=decision_data("approve", network_id, user_id)
                ),
                InlineKeyboardButton(
                    _("❌ Reject"), callback_data=decision_data("reject", network_id, user_id)
                ),
            ]
        ]
    )


def answered(text: str, answer: str) -> Html:
    """A question after it was answered with a button: the question, then the answer."""
    return Html(f"{text}\n\n✓ {escape(answer)}")


# --- the conversation ----------------------------------------------------------------------


async def current_intake(update: Update, context: BotContext) -> Membership | None:
    """The open intake of the person behind the update; the latest one if there are several."""
    assert update.effective_user
    db = context.services.database
    open_intakes = await memberships.in_intake(db, update.effective_user.id)
    if not open_intakes:
        return None
    return max(open_intakes, key=lambda m: m.last_active_at or "")


async def network_of(context: BotContext, membership: Membership) -> Network:
    network = await networks.get(context.services.database, membership.network_id)
    assert network is not None  # memberships reference networks, which are never deleted
    return network


async def ask(update: Update, context: BotContext, membership: Membership) -> None:
    """Sends the question (or the review) the person is at."""
    assert update.effective_chat and update.effective_user
    _ = await context.texts()
    network = await network_of(context, membership)
    position = decode(membership.intake_step)
    if position.step is Step.REVIEW:
        await update.effective_chat.send_message(
            review_text(_, network, membership), reply_markup=review_keyboard(_, network.id)
        )
        return
    user = update.effective_user
    text, markup = question(_, network, position, offer=name_offer(user.first_name, user.last_name))
    await update.effective_chat.send_message(text, reply_markup=markup)


async def store(
    context: BotContext,
    membership: Membership,
    position: Position,
    answers: dict[str, str | bool | None] | None = None,
    consent: bool | None = None,
) -> Membership | None:
    """Stores the answers with the next step in one go; None if the intake closed meanwhile."""
    svc = context.services
    return await memberships.save_intake(
        svc.database,
        membership.network_id,
        membership.user_id,
        svc.clock.now(),
        step=position.encode(),
        answers=answers,
        consent=consent,
    )


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
    saved = await store(context, membership, position, answers)
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
    redeemed = await invites.redeem(svc.database, code, user.id, svc.clock.now())
    if isinstance(redeemed, Refusal):
        log.info("refused an invite to user %s: %s", user.id, redeemed)
        invite = await invites.by_code(svc.database, code)
        network = await networks.get(svc.database, invite.network_id) if invite else None
        await update.effective_message.reply_text(refusal_text(_, redeemed, network))
        return
    log.info(
        "user %s redeemed invite %s: network %s as %s",
        user.id,
        redeemed.id,
        redeemed.network_id,
        redeemed.role,
    )
    network = await networks.get(svc.database, redeemed.network_id)
    membership = await memberships.get(svc.database, redeemed.network_id, user.id)
    assert network is not None and membership is not None
    await update.effective_message.reply_text(intro_text(_, network, redeemed.role))
    await open_conversation(update, context, membership)
    await ask(update, context, membership)


async def resume(
    update: Update, context: BotContext, membership: Membership, code: str | None
) -> None:
    """Carries on where the person left off (a new link waits until this intake is done)."""
    assert update.effective_message
    _ = await context.texts()
    network = await network_of(context, membership)
    text: str = _(
        "Welcome back! Let's carry on with your application for {network}.", network=network.name
    )
    if code is not None and membership.invite_id is not None:
        invite = await invites.get(context.services.database, membership.invite_id)
        if invite is None or invite.code != code:
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
    network = await network_of(context, membership)
    invite = await invites.get(svc.database, membership.invite_id or 0)
    await memberships.cancel_intake(svc.database, membership.network_id, membership.user_id)
    await talk.close(svc, membership.user_id, "intake")
    log.info("user %s stopped the intake for network %s", membership.user_id, network.id)
    if invite is None or invite.expires_at <= svc.clock.now().isoformat():
        text = _(
            "Stopped. Your answers for {network} are deleted and nothing was sent to the "
            "hosts. Your invite link is used up: if you change your mind, ask the person who "
            "invited you for a new one.",
            network=network.name,
        )
    else:
        text = _(
            "Stopped. Your answers for {network} are deleted and nothing was sent to the "
            "hosts. Changed your mind? Open the same invite link again before {until}; after "
            "that, ask the person who invited you for a new one.",
            network=network.name,
            until=moment(_, invite.expires_at, svc.settings.bot.tz),
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
        if no_thanks(message.text):
            await message.reply_text(
                _("Fine, no phone number."), reply_markup=ReplyKeyboardRemove()
            )
            answers: dict[str, str | bool | None] = {"phone": None, "share_phone": False}
            await proceed(update, context, membership, after(position), answers)
        else:
            await message.reply_text(
                _("Please use the buttons below: share your number, or “No thanks”."),
                reply_markup=phone_keyboard(_),
            )
        return
    if step not in TEXT_LIMITS:
        await message.reply_text(_("Please answer with the buttons of this question:"))
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
            _("I didn't ask for a phone number just now. This is the question:")
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
            _("Your application is already with the hosts.")
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


@dataclass(frozen=True)
class ButtonAnswer:
    """What a question's button means: the answer shown, what is stored, what comes next."""

    label: str
    position: Position
    answers: dict[str, str | bool | None] = field(default_factory=dict)
    consent: bool | None = None
    language: str | None = None


def button_answer(
    _: Translator, position: Position, choice: str, offer: str | None
) -> ButtonAnswer | None:
    """The meaning of a question's button, or None if `choice` is not one of its buttons."""
    step = position.step
    if step is Step.NAME and choice == "tg" and offer is not None:
        return ButtonAnswer(offer, after(position), {"display_name": offer})
    if step is Step.ORGANISATION and choice == "skip":
        return ButtonAnswer(_("Skip"), after(position), {"organisation": None})
    if step is Step.SHARE_PHONE and choice in ("yes", "no"):
        label = _("Yes, show it") if choice == "yes" else _("No, keep it private")
        return ButtonAnswer(label, after(position), {"share_phone": choice == "yes"})
    if step is Step.DIET and choice in DIETS:
        return ButtonAnswer(diet_name(_, choice), after(position), {"diet": choice})
    if step is Step.DIET and choice == OTHER_DIET:
        return ButtonAnswer(_("Other…"), after(position, other_diet=True))
    if step is Step.LANGUAGE and choice in SUPPORTED_LANGUAGES:
        return ButtonAnswer(LANGUAGE_NAMES[choice], after(position), language=choice)
    if step is Step.CONSENT and choice == "yes":
        return ButtonAnswer(_("I agree"), after(position), consent=True)
    return None


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
    network = await network_of(context, membership)
    step = position.step
    offer = name_offer(query.from_user.first_name, query.from_user.last_name)
    answer = button_answer(_, position, choice, offer)
    if answer is not None:
        if answer.language is not None:
            await people.set_language(
                svc.database, membership.user_id, answer.language, svc.clock.now()
            )
            context.forget_texts()  # the next question speaks the language just chosen
        saved = await store(context, membership, answer.position, answer.answers, answer.consent)
        await query.answer()
        text, _markup = question(_, network, position)
        await edit_message(query, answered(text, answer.label))
        if saved is not None:
            await ask(update, context, saved)
    elif step is Step.CONSENT and choice == "no":
        await memberships.save_intake(
            svc.database, network.id, membership.user_id, svc.clock.now(), consent=False
        )
        await query.answer()
        text = Html(f"{consent_text(_, network)}\n\n{no_consent_text(_)}")
        await edit_message(query, text, no_consent_keyboard(_, network.id))
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
    outcome = await memberships.submit(
        svc.database, network.id, membership.user_id, svc.clock.now()
    )
    if outcome is Submission.NO_CONSENT:
        await proceed(update, context, membership, Position(Step.CONSENT))
        return
    if outcome is Submission.INCOMPLETE:
        await proceed(update, context, membership, correct(Step.NAME))
        return
    if outcome is Submission.NOT_IN_INTAKE:
        return
    log.info("user %s applied to network %s", membership.user_id, network.id)
    await talk.close(svc, membership.user_id, "intake")
    await edit_message(query, answered(review_text(_, network, membership), _("Submitted")))
    await update.effective_chat.send_message(submitted_text(_, network))
    submitted = await memberships.get(svc.database, network.id, membership.user_id)
    assert submitted is not None
    await announce(context, network, submitted)


async def announce(context: BotContext, network: Network, membership: Membership) -> None:
    """The network's hosts and the coordinators get the application with Approve/Reject."""
    svc = context.services
    recipients = [
        user_id
        for user_id in await notify.hosts_and_coordinators(svc, network.id)
        if user_id != membership.user_id
    ]

    def compose(_: Translator) -> tuple[str, InlineKeyboardMarkup]:
        return (
            application_text(_, network, membership),
            application_keyboard(_, network.id, membership.user_id),
        )

    told = await notify.tell(context.bot, svc, recipients, compose)
    if not told:
        log.warning("nobody could be told about the application of user %s", membership.user_id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start_intake, filters=private))
    application.add_handler(MessageHandler(private & filters.CONTACT, answer_contact))
    application.add_handler(CallbackQueryHandler(answer_button, pattern=CALLBACK))
