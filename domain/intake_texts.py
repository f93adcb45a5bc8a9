"""The intake's texts and buttons: what a person is asked, shown and told from an invite link
to a submitted application, and the application as the hosts see it. The words follow
docs/GLOSSARY.md (in Dutch the intake is the "aanmelding").

Buttons are `Button`s whose action is `intake:<network id>:<step>:<answer>` (the handler's
`CALLBACK`); the handlers render them (`bot.render.keyboard`) with a Cancel row under every step.
"""

from __future__ import annotations

from bot.i18n import LANGUAGE_NAMES, Html, Translator, escape
from bot.settings import SUPPORTED_LANGUAGES
from domain.intake_steps import CORRECTABLE, DIETS, OTHER_DIET, Position, Problem, Step
from domain.labels import diet_name, role_name
from domain.ports import Button, Keyboard
from storage.invites import Refusal
from storage.memberships import Membership
from storage.networks import Network

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


def intro_text(_: Translator, network: Network, role: str) -> str:
    """What the person is entering, and the agreement, before the first question."""
    where = (
        _("<b>{network}</b> ({area})", network=network.name, area=network.area)
        if network.area
        else _("<b>{network}</b>", network=network.name)
    )
    return _(
        "Welcome! You are invited to the network {where} as {role}: the police, the "
        "municipality and people from the neighbourhood who keep in touch, share a meal a few "
        "times a year and act together after incidents.\n\n"
        "<b>What we agree on</b>\n"
        "• After an incident, members can call on each other.\n"
        "• What is shared stays in the network, unless marked shareable.\n"
        "• 🚨 Emergency? Call 112, not this bot.\n\n"
        "A few questions follow. /cancel stops at any moment.",
        where=Html(where),
        role=role_name(_, role),
    )


def refusal_text(_: Translator, refusal: Refusal, network: Network | None = None) -> str:
    if refusal is Refusal.APPLIED and network is not None:
        return _(
            "You have already applied to {network}. I'll let you know as soon as it is "
            "decided. You don't need this link; it stays unused.",
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
) -> tuple[str, Keyboard]:
    """The text and buttons of one intake question (not the review). The phone question's
    buttons are Telegram's own contact button, added by the handler."""
    step, nid = position.step, network.id
    if step is Step.NAME:
        text = _("What name should the network know you by? Type it, or tap your Telegram name.")
        if offer is None:
            return text, ()
        mine = Button(offer, button_data(nid, step, "tg"))
        return text, [[mine]]
    if step is Step.ORGANISATION:
        text = _(
            "Are you active in an organisation? A foundation, sports club, mosque, church, "
            "residents' association… Type its name, or skip this question."
        )
        skip = Button(_("Skip"), button_data(nid, step, "skip"))
        return text, [[skip]]
    if step is Step.REACH:
        return _(
            "Which people or communities do you reach? For example: young people in the "
            "neighbourhood, parents at a school, a church congregation. A few words are enough."
        ), ()
    if step is Step.PHONE:
        return _(
            "Would you like to leave your phone number? After an incident, the police chief "
            "and municipality may want to call you quickly. Share it with the button below, "
            "or tap “No thanks”."
        ), ()
    if step is Step.SHARE_PHONE:
        yes, no = button_data(nid, step, "yes"), button_data(nid, step, "no")
        return share_phone_question(_, network), (
            [
                [Button(_("Yes, they may call me"), yes)],
                [Button(_("No"), no)],
            ]
        )
    if step is Step.MEMBERS_PHONE:
        yes, no = button_data(nid, step, "yes"), button_data(nid, step, "no")
        return members_phone_question(_, network), (
            [
                [Button(_("Yes, show it to members"), yes)],
                [Button(_("No, keep it private"), no)],
            ]
        )
    if step is Step.DIET:
        options = [(diet, diet_name(_, diet)) for diet in DIETS] + [(OTHER_DIET, _("Other…"))]
        rows = [
            [Button(label, button_data(nid, step, diet)) for diet, label in options[i : i + 2]]
            for i in range(0, len(options), 2)
        ]
        return _(
            "The network meets over a meal about five times a year. "
            "Do you have dietary needs we should keep in mind?"
        ), rows
    if step is Step.DIET_OTHER:
        return _("What should we keep in mind for the meals? A few words are enough."), ()
    if step is Step.LANGUAGE:
        languages = [
            Button(LANGUAGE_NAMES[code], button_data(nid, step, code))
            for code in SUPPORTED_LANGUAGES
        ]
        return _("Which language shall I write to you in?"), [languages]
    if step is Step.CONSENT:
        return consent_text(_, network), consent_keyboard(_, nid)
    raise ValueError(f"{step} is not a question")


def share_phone_question(_: Translator, network: Network) -> str:
    """The call list, said the same way in the intake and in /profile: the police chief and the
    municipality of this network, nobody else (need-to-know, issue 10)."""
    return _(
        "May the police chief and the municipality of {network} call you in an emergency? "
        "Then your number is on their call list after an alert – also at night. Nobody "
        "else sees it there.",
        network=network.name,
    )


def members_phone_question(_: Translator, network: Network) -> str:
    """The members' list (/contacts), said the same way in the intake and in /profile."""
    return _(
        "May the other members of {network} see your number? Then it is in /contacts, so "
        "they can call or text you themselves.",
        network=network.name,
    )


def phone_text(_: Translator, membership: Membership) -> str:
    """The phone number and who may see it, as the person sees their answers."""
    if not membership.phone:
        return _("not given")
    if membership.phone_to_hosts and membership.phone_to_members:
        return _(
            "{phone} (the police chief and municipality may call you; members see it)",
            phone=membership.phone,
        )
    if membership.phone_to_hosts:
        return _("{phone} (the police chief and municipality may call you)", phone=membership.phone)
    if membership.phone_to_members:
        return _("{phone} (members see it)", phone=membership.phone)
    return _("{phone} (not shared)", phone=membership.phone)


def consent_text(_: Translator, network: Network) -> str:
    return _(
        "<b>Privacy</b>: please read this before your answers are sent.\n\n"
        "<b>What we store:</b> your answers, your Telegram user id and your phone number if "
        "you gave it.\n"
        "<b>Who sees it:</b> the police chief and municipality contact of {network}, and the "
        "coordinators. Other members see your name, organisation and reach – your phone "
        "number only if you choose so.\n"
        "<b>Why:</b> only to run the network. Nothing is sold or passed on.\n"
        "<b>How long:</b> while you are a member, and a limited time after (/privacy says how "
        "long). /forget deletes it at once; /mydata shows all of it.\n\n"
        "Do you agree?",
        network=network.name,
    )


def consent_keyboard(_: Translator, network_id: int) -> Keyboard:
    yes, no = (button_data(network_id, Step.CONSENT, choice) for choice in ("yes", "no"))
    return [
        [Button(_("I agree"), yes)],
        [Button(_("I don't agree"), no)],
    ]


def no_consent_keyboard(_: Translator, network_id: int) -> Keyboard:
    yes, stop = (button_data(network_id, Step.CONSENT, choice) for choice in ("yes", "stop"))
    return [
        [Button(_("I agree after all"), yes)],
        [Button(_("Stop my application"), stop)],
    ]


def no_consent_text(_: Translator) -> str:
    return _(
        "That's fine, and your choice. Without your consent I can't send your application, "
        "so you can't join the network; nothing has been sent to anyone.\n\n"
        "Changed your mind? Tap “I agree after all”. Or stop, and your answers are deleted."
    )


def review_text(_: Translator, network: Network, membership: Membership) -> str:
    """All answers in one message, to check before submitting."""
    phone = phone_text(_, membership)
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


def review_keyboard(_: Translator, network_id: int) -> Keyboard:
    labels = {
        Step.NAME: _("✏️ Name"),
        Step.ORGANISATION: _("✏️ Organisation"),
        Step.REACH: _("✏️ Communities"),
        Step.PHONE: _("✏️ Phone"),
        Step.DIET: _("✏️ Meals"),
        Step.LANGUAGE: _("✏️ Language"),
    }
    fixes = [
        Button(labels[step], button_data(network_id, Step.REVIEW, step)) for step in CORRECTABLE
    ]
    rows = [fixes[i : i + 2] for i in range(0, len(fixes), 2)]
    submit = button_data(network_id, Step.REVIEW, "submit")
    rows.append([Button(_("✅ Submit"), submit)])
    return rows


def submitted_text(_: Translator, network: Network) -> str:
    return _(
        "Thank you! Your application for {network} is now awaiting approval. I'll let you "
        "know as soon as it is decided.",
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
    if membership.phone and membership.phone_to_hosts:
        lines.append(_("<b>Phone:</b> {phone}", phone=membership.phone))
    lines += ["", _("Approve only after a one-to-one conversation with them.")]
    return "\n".join(lines)


def application_keyboard(_: Translator, network_id: int, user_id: int) -> Keyboard:
    return [
        [
            Button(_("✅ Approve"), decision_data("approve", network_id, user_id)),
            Button(_("❌ Reject"), decision_data("reject", network_id, user_id)),
        ]
    ]


def answered(text: str, answer: str) -> Html:
    """A question after it was answered with a button: the question, then the answer."""
    return Html(f"{text}\n\n✓ {escape(answer)}")
