"""A member's own details, seen and changed with /profile: the answers of the intake, per network.

The details live on the membership (`storage.memberships`): the name the network knows, the
organisation, the communities the person reaches, the phone number and whether the network's
police chief and municipality may call it, and the meals. So a person in two networks can be
known differently in each, and changes one network at a time. The language is the person's
own (`storage.people`), the same everywhere.

Typed answers follow the intake's rules (`domain.intake_steps.clean`: tidied, not empty, at
most so many characters), the choices are the intake's, and the two phone choices (the call
list of the police chief and the municipality; the other members in /contacts) are worded by
`domain.intake_texts.share_phone_question` and `members_phone_question`, so both say the same.
Buttons carry `prof:<network id>:<what>[:<choice>]` (`data`). The card is one message, edited
in place.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.fit import cut_label
from bot.i18n import LANGUAGE_NAMES, Html, Translator
from bot.settings import SUPPORTED_LANGUAGES
from domain.context import Context
from domain.intake_steps import DIETS, OTHER_DIET, TEXT_LIMITS, Problem, Step, clean
from domain.intake_texts import (
    TYPED_FIELD,
    members_phone_question,
    phone_text,
    share_phone_question,
)
from domain.labels import diet_name, role_name
from domain.ports import Button, Keyboard
from domain.talents import ITEM_LIMIT, MOST, Kind, list_name
from storage import memberships, networks
from storage.memberships import Membership
from storage.networks import Network
from storage.talents import Talent

log = logging.getLogger(__name__)

PREFIX = "prof"
Details = Mapping[str, str | bool | None]


class What(StrEnum):
    """What a /profile button is about: a screen of the card, or a detail to change."""

    SHOW = "show"  # the card itself (also: Cancel on a step)
    DONE = "done"  # the card closes
    NETWORKS = "nets"  # the list of the person's networks
    NAME = "name"
    ORGANISATION = "org"
    REACH = "reach"
    DIET = "diet"
    DIET_OTHER = "diet_other"  # "other" was chosen: typed in their own words
    PHONE = "phone"
    SHARE = "share"  # whether the police chief and municipality may call the number
    MEMBERS = "members"  # whether the other members see the number (/contacts)
    LANGUAGE = "lang"
    # The three lists of talents and reach (`domain.talents`): shown, added to by typing,
    # an item removed with its button (choice `x<item id>`).
    CAN = "can"
    LEARN = "learn"
    REACHES = "reaches"
    # How the bot reaches the person: link WhatsApp, choose per network (domain.whatsapp_link).
    WHATSAPP = "wa"


# Details answered by typing, and the intake question whose rules (limit, tidying) they follow.
TYPED: dict[What, Step] = {
    What.NAME: Step.NAME,
    What.ORGANISATION: Step.ORGANISATION,
    What.REACH: Step.REACH,
    What.DIET_OTHER: Step.DIET_OTHER,
}
# The card's steps for the lists of talents and reach, and which list each is.
LISTS: dict[What, Kind] = {What.CAN: Kind.CAN, What.LEARN: Kind.LEARN, What.REACHES: Kind.REACH}
REMOVE_ITEM = "x"  # a list's choice `x12`: remove item 12
REMOVE = "none"  # the choice that clears an organisation or a phone number
TELEGRAM_NAME = "tg"  # the choice of the name as Telegram shows it


def data(network_id: int, what: What, choice: str = "") -> str:
    """A button's callback data: `prof:3:diet:halal`, `prof:3:show` (at most 64 bytes)."""
    return f"{PREFIX}:{network_id}:{what}" + (f":{choice}" if choice else "")


# --- use cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Where a person stands for /profile: the networks they are a member of (with their
    details there), the application they are still answering, and those with the hosts."""

    members: list[tuple[Network, Membership]]
    intake: tuple[Network, Membership] | None
    awaiting: list[Network]


async def standing(ctx: Context, user_id: int) -> Standing:
    members: list[tuple[Network, Membership]] = []
    intakes: list[tuple[Network, Membership]] = []
    awaiting: list[Network] = []
    for membership in await memberships.for_user(ctx.database, user_id):
        if membership.status not in ("approved", "intake", "awaiting_approval"):
            continue  # rejected or removed: nothing of theirs to change there
        network = await networks.get(ctx.database, membership.network_id)
        assert network is not None  # memberships reference networks, which are never deleted
        if membership.status == "approved":
            members.append((network, membership))
        elif membership.status == "intake":
            intakes.append((network, membership))
        else:
            awaiting.append(network)
    members.sort(key=lambda pair: pair[0].name.casefold())
    # Several open intakes: the one answered last is the one being talked about.
    intake = max(intakes, key=lambda pair: pair[1].last_active_at or "", default=None)
    return Standing(members, intake, awaiting)


async def member_of(
    ctx: Context, network_id: int, user_id: int
) -> tuple[Network, Membership] | None:
    """The network and the person's details there, if they are an approved member."""
    membership = await memberships.get(ctx.database, network_id, user_id)
    if membership is None or membership.status != "approved":
        return None
    network = await networks.get(ctx.database, network_id)
    return (network, membership) if network is not None else None


async def change(ctx: Context, membership: Membership, details: Details) -> Membership | None:
    """Store changed details; None if the person is no longer a member there."""
    changed = await memberships.save_details(
        ctx.database, membership.network_id, membership.user_id, ctx.clock.now(), details
    )
    # Which details, never their values: a log is no place for a phone number.
    log.info(
        "user %s changed %s in network %s%s",
        membership.user_id,
        ", ".join(sorted(details)),
        membership.network_id,
        "" if changed is not None else " (refused: no longer a member)",
    )
    return changed


def typed(what: What, text: str) -> dict[str, str | bool | None] | Problem:
    """A typed answer as stored (tidied as in the intake), or what is wrong with it."""
    answer = clean(TYPED[what], text)
    if isinstance(answer, Problem):
        return answer
    return {TYPED_FIELD[TYPED[what]]: answer}


def limit_of(what: What) -> int:
    return TEXT_LIMITS[TYPED[what]]


def chosen(
    what: What, choice: str, membership: Membership, telegram_name: str | None
) -> dict[str, str | bool | None] | None:
    """What a button's choice stores; None if it is not one of that detail's choices (or
    means nothing now, like sharing a number that was removed meanwhile)."""
    if what is What.NAME and choice == TELEGRAM_NAME and telegram_name is not None:
        return {"display_name": telegram_name}
    if what is What.ORGANISATION and choice == REMOVE:
        return {"organisation": None}
    if what is What.DIET and choice in DIETS:
        return {"diet": choice}
    if what is What.PHONE and choice == REMOVE:
        return {"phone": None, "phone_to_hosts": False, "phone_to_members": False}
    if what is What.SHARE and choice in ("yes", "no") and membership.phone:
        return {"phone_to_hosts": choice == "yes"}
    if what is What.MEMBERS and choice in ("yes", "no") and membership.phone:
        return {"phone_to_members": choice == "yes"}
    return None


def contact_number(phone_number: str) -> str:
    """A number shared with Telegram's contact button, as stored: with its leading +."""
    phone = phone_number.strip()
    return phone if phone.startswith("+") else f"+{phone}"


# --- the card ------------------------------------------------------------------------------


def card_text(
    _: Translator,
    network: Network,
    membership: Membership,
    note: str | None = None,
    *,
    closed: bool = False,
    talents: dict[Kind, list[Talent]] | None = None,
) -> Html:
    """Everything the person can change in this network, with what was just done on top;
    `closed`: the person is done, the card keeps no buttons. `talents`: the person's lists of
    talents and reach (the same in every network)."""
    lists = talents or {}

    def listed(kind: Kind) -> str:
        return " · ".join(t.text for t in lists.get(kind, [])) or "–"

    lines = [note, ""] if note else []
    lines += [
        _(
            "👤 <b>Your details in {network}</b> ({role})",
            network=network.name,
            role=role_name(_, membership.role),
        ),
        "",
        _("<b>Name:</b> {name}", name=membership.display_name or "–"),
        _("<b>Organisation:</b> {organisation}", organisation=membership.organisation or _("none")),
        _("<b>Communities you reach:</b> {reach}", reach=membership.reach or "–"),
        _("<b>Phone:</b> {phone}", phone=Html(phone_text(_, membership))),
        _("<b>Meals:</b> {diet}", diet=diet_name(_, membership.diet)),
        _("<b>Language:</b> {language}", language=LANGUAGE_NAMES.get(_.language, _.language)),
        "",
        _("🤝 <b>What you bring</b> (the members of your networks find it with /whocan)"),
        _("<b>You can:</b> {items}", items=listed(Kind.CAN)),
        _("<b>You want to learn:</b> {items}", items=listed(Kind.LEARN)),
        _("<b>You reach:</b> {items}", items=listed(Kind.REACH)),
        "",
        _("Saved. /profile opens your details again.")
        if closed
        else _("Tap what you want to change."),
    ]
    return Html("\n").join(lines)


def card_keyboard(
    _: Translator,
    network_id: int,
    membership: Membership,
    *,
    several: bool,
    whatsapp: bool = False,
) -> Keyboard:
    def edit(label: str, what: What) -> Button:
        return Button(label, data(network_id, what))

    rows = [
        [edit(_("✏️ Name"), What.NAME), edit(_("✏️ Organisation"), What.ORGANISATION)],
        [edit(_("✏️ Communities"), What.REACH), edit(_("✏️ Meals"), What.DIET)],
        [edit(_("✏️ Phone"), What.PHONE)],
        [edit(_("✏️ Language"), What.LANGUAGE)],
        [
            edit(_("🙋 I can"), What.CAN),
            edit(_("📚 I'd learn"), What.LEARN),
            edit(_("🤝 I reach"), What.REACHES),
        ],
    ]
    if membership.phone:
        rows[2].append(edit(_("✏️ Who may call me"), What.SHARE))
        rows.insert(3, [edit(_("✏️ Members see my number"), What.MEMBERS)])
    if whatsapp:  # [whatsapp] configured: link it, choose per network
        rows.append([edit(_("📱 WhatsApp"), What.WHATSAPP)])
    last = [edit(_("✔️ Done"), What.DONE)]
    if several:
        last.insert(0, edit(_("◀️ My networks"), What.NETWORKS))
    return [*rows, last]


def cancel_row(_: Translator, network_id: int) -> list[Button]:
    """Under every step: back to the card, nothing changed."""
    return [Button(_("Cancel"), data(network_id, What.SHOW))]


def step(
    _: Translator,
    network: Network,
    membership: Membership,
    what: What,
    telegram_name: str | None = None,
) -> tuple[Html, Keyboard]:
    """The card while one detail is being changed: the question, and its buttons."""
    nid = network.id
    if what is What.NAME:
        text = _(
            "What name should {network} know you by? Now: <b>{name}</b>.\n\n"
            "Type a new one, or tap your Telegram name.",
            network=network.name,
            name=membership.display_name or "–",
        )
        offer = [Button(telegram_name, data(nid, what, TELEGRAM_NAME))] if telegram_name else []
        return text, [offer, cancel_row(_, nid)]
    if what is What.ORGANISATION:
        text = _(
            "Which organisation are you active in? Now: <b>{organisation}</b>.\n\n"
            "Type its name, or remove it.",
            organisation=membership.organisation or _("none"),
        )
        remove = [Button(_("No organisation"), data(nid, what, REMOVE))]
        return text, [remove if membership.organisation else [], cancel_row(_, nid)]
    if what is What.REACH:
        text = _(
            "Which people or communities do you reach? Now: <b>{reach}</b>.\n\nType a few words.",
            reach=membership.reach or "–",
        )
        return text, [cancel_row(_, nid)]
    if what is What.DIET:
        options = [(diet, diet_name(_, diet)) for diet in DIETS] + [(OTHER_DIET, _("Other…"))]
        buttons = [
            Button(("✓ " if diet == membership.diet else "") + label, data(nid, what, diet))
            for diet, label in options
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        text = _(
            "Your dietary needs for the meals of {network}? Now: <b>{diet}</b>.",
            network=network.name,
            diet=diet_name(_, membership.diet),
        )
        return text, [*rows, cancel_row(_, nid)]
    if what is What.DIET_OTHER:
        text = _("What should we keep in mind for the meals? A few words are enough.")
        return text, [cancel_row(_, nid)]
    if what is What.PHONE:
        text = _(
            "📱 <b>Your phone number for {network}</b>\nNow: {phone}\n\n"
            "To give or change it, tap “📱 Share my number” at the bottom of your screen.",
            network=network.name,
            phone=Html(phone_text(_, membership)),
        )
        remove = [Button(_("🗑 Remove my number"), data(nid, what, REMOVE))]
        return text, [remove if membership.phone else [], cancel_row(_, nid)]
    if what is What.SHARE:
        now = _("yes") if membership.phone_to_hosts else _("no")
        text = Html("\n\n").join(
            [share_phone_question(_, network), _("Now: <b>{answer}</b>.", answer=now)]
        )
        return text, [
            [Button(_("Yes, they may call me"), data(nid, what, "yes"))],
            [Button(_("No"), data(nid, what, "no"))],
            cancel_row(_, nid),
        ]
    if what is What.MEMBERS:
        now = _("yes") if membership.phone_to_members else _("no")
        text = Html("\n\n").join(
            [members_phone_question(_, network), _("Now: <b>{answer}</b>.", answer=now)]
        )
        return text, [
            [Button(_("Yes, show it to members"), data(nid, what, "yes"))],
            [Button(_("No, keep it private"), data(nid, what, "no"))],
            cancel_row(_, nid),
        ]
    if what is What.LANGUAGE:
        languages = [
            Button(
                ("✓ " if code == _.language else "") + LANGUAGE_NAMES[code], data(nid, what, code)
            )
            for code in SUPPORTED_LANGUAGES
        ]
        return _("Which language shall I use with you?"), [languages, cancel_row(_, nid)]
    raise ValueError(f"{what} is not a step of the card")


def list_step(
    _: Translator,
    network: Network,
    what: What,
    items: list[Talent],
    note: str | None = None,
    said: str | None = None,
) -> tuple[Html, Keyboard]:
    """The card while one list of talents or reach is open: its items with a button each to
    remove it, and what to type to add one. `said`: the communities the person named in their
    application to this network (only its hosts see that), offered as a start for the list."""
    kind = LISTS[what]
    if kind is Kind.CAN:
        question = _(
            "What can you do? A skill, a language, a trade: <i>translating Arabic</i>, "
            "<i>first aid</i>, <i>fixing bikes</i>…"
        )
    elif kind is Kind.LEARN:
        question = _(
            "What would you like to learn? Members who can do it may find you with /whocan."
        )
    else:
        question = _(
            "Which communities and organisations do you reach? <i>The mosque</i>, <i>the "
            "football club</i>, <i>the youth centre</i>…"
        )
    lines = [note, ""] if note else []
    lines += [_("<b>{list}</b>", list=list_name(_, kind))]
    lines += [_("{n}. {item}", n=i, item=t.text) for i, t in enumerate(items, 1)] or ["–"]
    lines += ["", question]
    if kind is Kind.REACH and said and not items:
        lines.append(
            _(
                "In your application you wrote: “{said}” (only the police chief and the "
                "municipality of {network} see that). Type what the members may find.",
                said=cut_label(said, 200),
                network=network.name,
            )
        )
    lines.append("")
    if len(items) < MOST:
        lines.append(
            _(
                "Type it to add it (several at once: separate them with commas; at most "
                "{limit} characters each).",
                limit=ITEM_LIMIT,
            )
        )
    else:
        lines.append(_("The list is full ({n}): remove one to add another.", n=MOST))
    if items:
        lines.append(_("Tap 🗑 to remove one."))
    lines.append(
        _(
            "The members of all your networks see these with your name when they use "
            "/whocan; {network} is one of them.",
            network=network.name,
        )
    )
    nid = network.id
    rows = [
        [Button("🗑 " + cut_label(t.text), data(nid, what, f"{REMOVE_ITEM}{t.id}"))] for t in items
    ]
    return Html("\n").join(lines), [*rows, [Button(_("◀️ Back"), data(nid, What.SHOW))]]


def removal_of(choice: str) -> int | None:
    """The item a list's choice `x12` removes; None if it is not one."""
    number = choice.removeprefix(REMOVE_ITEM)
    if choice.startswith(REMOVE_ITEM) and number.isdigit() and len(number) <= 18:
        return int(number)
    return None


def networks_text(_: Translator, count: int) -> Html:
    return _(
        "You are in {n} networks, and your details can differ per network. Which one?", n=count
    )


def networks_keyboard(choices: list[Network]) -> Keyboard:
    return [[Button(cut_label(n.name), data(n.id, What.SHOW))] for n in choices]


# --- what the person is told ---------------------------------------------------------------


def saved_text(_: Translator) -> Html:
    return _("✓ Saved.")


def not_a_member_text(_: Translator) -> Html:
    return _(
        "You are not a member of a network (yet), so there are no details to change. Networks "
        "are invite-only: open the invite link you were sent, or see /start. /language "
        "changes the language I write in."
    )


def awaiting_text(_: Translator, names: list[str]) -> Html:
    return _(
        "Your application for {networks} is waiting for a decision. Once you are in, /profile "
        "shows your details and lets you change them; /start shows where you stand.",
        networks=", ".join(names),
    )


def intake_first_text(_: Translator, network: Network) -> Html:
    return _(
        "First let's finish your application for {network}: your answers go there. After "
        "that, /profile lets you change your details. /cancel stops the application.",
        network=network.name,
    )


def gone_text(_: Translator, network: Network | None) -> Html:
    if network is None:
        return _("This button no longer works.")
    return _(
        "You are no longer a member of {network}, so nothing was changed there.",
        network=network.name,
    )


def no_number_text(_: Translator) -> Html:
    return _("There is no phone number to share: first give one with ✏️ Phone.")
