"""Talents and reach, and /whocan: what members can do, want to learn and whom they reach.

Asset-based community development starts from what people can do, in four questions: "Ken je
iemand die dit kan? Ken je niemand die dit kan? Kun je het zelf? Wil je het leren?". Members
keep three short lists in /profile (`Kind`); `/whocan <need>` searches the members of the
asker's own networks (never another network) and answers in those four questions: who can and
who reaches whom, who wants to learn it too, and if nobody: who do you know, can you, or do you
want to learn it.

A match is by word, forgiving about form: case, accents, plural and verb endings and doubled
vowels are folded away (`stem`), and a word of four letters or more also matches the longer
words it starts (`fiets` finds `fietsenmaker`, `arab` finds `Arabic`). Contact details are
shown only as the member allowed in that network: the number where they show it to the
members (/contacts), otherwise "via the police chief or municipality". Looking someone up is
not recorded, as with /contacts.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.fit import cut_label
from bot.i18n import Html, Translator
from domain.access import Action, Actor, Role, allowed
from domain.context import Context
from domain.ports import Button, Keyboard
from storage import memberships, networks
from storage import talents as store
from storage.talents import Added, Talent

log = logging.getLogger(__name__)

ITEM_LIMIT = 60  # characters of one item (and of a need asked with /whocan)
MOST = 10  # items in one list
PER_SECTION = 10  # people shown under one question of the answer
ITEMS_SHOWN = 3  # matching items shown for one person
NAME_WIDTH = 40  # a name in the answer is cut to this
PREFIX = "who"  # buttons under an answer: who:<can|learn>:<need>
DATA_LIMIT = 64  # bytes of a button's callback data (Telegram)


class Kind(StrEnum):
    CAN = "can"  # "Wat ik kan"
    LEARN = "learn"  # "Wat ik wil leren"
    REACH = "reach"  # "Wie ik bereik"


# --- typed items ---------------------------------------------------------------------------


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


_SEPARATORS = re.compile(r"[,;\n]+")


def items_of(text: str) -> list[str] | Problem:
    """Typed items as stored: several at once separated by commas, semicolons or lines, each
    tidied; or what is wrong (then nothing of it is stored)."""
    found = [" ".join(part.split()) for part in _SEPARATORS.split(text)]
    found = list(dict.fromkeys(item for item in found if item))
    if not found:
        return Problem.EMPTY
    if any(len(item) > ITEM_LIMIT for item in found):
        return Problem.TOO_LONG
    return found


def need_of(text: str) -> str | Problem:
    """A need asked with /whocan, tidied to one line; or what is wrong with it."""
    need = " ".join(text.split())
    if not need:
        return Problem.EMPTY
    if len(need) > ITEM_LIMIT:
        return Problem.TOO_LONG
    return need


# --- matching (pure) -----------------------------------------------------------------------

# Words that say nothing about the need, in Dutch and English.
STOPWORDS = frozenset(
    """
    de het een en of van voor met die dat wie wat iemand kan kun kunnen wil ik je jij we wij
    in op aan te om bij naar er is zijn mijn ons onze hun als ook nog maar niet wel dit deze
    the a an and or of for with who what someone somebody can could to in on at by is are my
    our their as also not this that these help hulp helpen
    """.split()
)
# Endings folded away, longest first: Dutch and English plurals, verb forms, adjectives.
_ENDINGS = (
    "ingen", "ische", "ation", "ing", "isch", "ies", "ers", "ic", "en", "er", "es", "ed", "e",
    "s",
)  # fmt: skip
_DOUBLED = re.compile(r"([aeou])\1")
_WORD = re.compile(r"[^\W_]+")
PREFIX_MIN = 4  # a stem this long also matches the longer words it starts


def fold(text: str) -> str:
    """Lower case without accents: "Moskeeën" → "moskeeen"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A folded word without its ending and with doubled vowels single: "vertalen" and
    "vertaal" → "vertal", "moskeeen" → "moske", "translating" → "translat"."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return _DOUBLED.sub(r"\1", word)


def terms(text: str) -> tuple[str, ...]:
    """The stems of the words that carry meaning, in order, each once."""
    return _terms(text)


@functools.lru_cache(maxsize=1 << 16)  # items are searched again and again; each is short
def _terms(text: str) -> tuple[str, ...]:
    words = [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]
    return tuple(dict.fromkeys(stem(w) for w in words))


def _same(a: str, b: str) -> bool:
    """The same word, or one starts the other and is long enough to say something."""
    return (
        a == b
        or (len(a) >= PREFIX_MIN and b.startswith(a))
        or (len(b) >= PREFIX_MIN and a.startswith(b))
    )


def score(need: Sequence[str], item: str) -> int:
    """How many of the need's terms the item has (0: no match)."""
    have = terms(item)
    return sum(1 for term in need if any(_same(term, word) for word in have))


# --- the lists -----------------------------------------------------------------------------


def lists(items: Iterable[Talent]) -> dict[Kind, list[Talent]]:
    """A person's items per list, in the order they were added."""
    found: dict[Kind, list[Talent]] = {kind: [] for kind in Kind}
    for item in items:
        found[Kind(item.kind)].append(item)
    return found


async def mine(ctx: Context, user_id: int) -> dict[Kind, list[Talent]]:
    return lists(await store.of_user(ctx.database, user_id))


async def add(ctx: Context, user_id: int, kind: Kind, items: list[str]) -> tuple[Added, list[str]]:
    """Add typed items to one of the person's lists: all of them, or none."""
    outcome, new = await store.add(ctx.database, user_id, kind, items, ctx.clock.now(), MOST)
    # How many, never what: a log is no place for what someone can do or whom they reach.
    log.info("user %s added %d item(s) to %s: %s", user_id, len(new), kind, outcome)
    return outcome, new


async def remove(ctx: Context, user_id: int, talent_id: int) -> Talent | None:
    removed = await store.remove(ctx.database, user_id, talent_id)
    log.info("user %s removed item %s: %s", user_id, talent_id, removed is not None)
    return removed


# --- /whocan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone who matched, as the asker's networks know them."""

    user_id: int
    name: str
    networks: list[str]  # the networks the asker shares with them, by name
    phone: str | None  # where they show it to the members of a shared network
    items: list[str]  # the matching items, best first
    score: int


@dataclass(frozen=True)
class Answer:
    need: str
    networks: list[str]  # the asker's networks, by name
    can: list[Person]
    reach: list[Person]
    learn: list[Person]

    @property
    def anyone(self) -> bool:
        return bool(self.can or self.reach)


async def search(ctx: Context, asker_id: int, need: str) -> Answer | None:
    """Who in the asker's networks can do `need`, reaches it, or wants to learn it; None if
    the asker is no approved member anywhere."""
    db = ctx.database
    # As a member: a coordinator searches the networks they are a member of, like anyone.
    member = Actor(
        asker_id,
        roles={n: Role(r) for n, r in (await memberships.approved_roles(db, asker_id)).items()},
    )
    roles = [n for n in member.roles if allowed(member, Action.find_talent, n)]
    if not roles:
        return None
    names = {n.id: n.name for n in await networks.all(db) if n.id in roles}
    holders = [h for h in await store.holders(db, list(roles)) if h.user_id != asker_id]
    items = await store.of_users(db, [h.user_id for h in holders])
    wanted = terms(need)
    sections: dict[Kind, list[Person]] = {kind: [] for kind in Kind}
    by_user: dict[int, list[store.Holder]] = {}
    for holder in holders:
        by_user.setdefault(holder.user_id, []).append(holder)
    per_user: dict[int, list[Talent]] = {}
    for item in items:
        per_user.setdefault(item.user_id, []).append(item)
    for user_id, known in by_user.items():
        known.sort(key=lambda h: names[h.network_id].casefold())
        name = next((h.display_name for h in known if h.display_name), None) or "–"
        phone = next((h.phone for h in known if h.phone), None)
        shared = [names[h.network_id] for h in known]
        for kind, kept in lists(per_user.get(user_id, [])).items():
            scored = [(score(wanted, t.text), t.text) for t in kept]
            hits = sorted((s for s in scored if s[0] > 0), key=lambda s: -s[0])
            if hits:
                best = [text for _s, text in hits[:ITEMS_SHOWN]]
                sections[kind].append(Person(user_id, name, shared, phone, best, hits[0][0]))
    for people in sections.values():
        people.sort(key=lambda p: (-p.score, p.name.casefold(), p.user_id))
    found = Answer(
        need,
        sorted(names.values(), key=str.casefold),
        sections[Kind.CAN],
        sections[Kind.REACH],
        sections[Kind.LEARN],
    )
    log.info(
        "user %s searched talents in %d network(s): %d can, %d reach, %d learn",
        asker_id,
        len(names),
        len(found.can),
        len(found.reach),
        len(found.learn),
    )
    return found


# --- the answer ----------------------------------------------------------------------------


def _entry(_: Translator, person: Person, several: bool) -> Html:
    name = cut_label(person.name, NAME_WIDTH)
    if several:
        head = _("<b>{name}</b> ({networks})", name=name, networks=", ".join(person.networks))
    else:
        head = _("<b>{name}</b>", name=name)
    contact = (
        _("📞 {phone}", phone=person.phone)
        if person.phone
        else _("✉️ via the police chief or municipality")
    )
    return _(
        "• {head}: {items} · {contact}",
        head=head,
        items=" · ".join(person.items),
        contact=contact,
    )


def _section(_: Translator, title: str, people: list[Person], several: bool) -> list[str]:
    if not people:
        return []
    lines = ["", title, *(_entry(_, p, several) for p in people[:PER_SECTION])]
    hidden = len(people) - PER_SECTION
    if hidden > 0:
        lines.append(
            _.ngettext(
                "…and {n} more. A more precise word narrows it down.",
                "…and {n} more. A more precise word narrows it down.",
                hidden,
                n=hidden,
            )
        )
    return lines


def answer_text(_: Translator, found: Answer) -> Html:
    """The answer in the four questions: who can (and who reaches whom), who wants to learn
    it; if nobody: who do you know, can you yourself, do you want to learn it."""
    several = len(found.networks) > 1
    where = ", ".join(found.networks)
    if found.anyone:
        lines: list[str] = [_("🔎 <b>Who can help with “{need}”?</b>", need=found.need)]
    else:
        lines = [
            _(
                "🔎 Nobody in {networks} has “{need}” on their list yet.",
                networks=where,
                need=found.need,
            )
        ]
    lines += _section(_, _("🙋 <b>Who can do this</b>"), found.can, several)
    lines += _section(_, _("🤝 <b>Who is in touch with them</b>"), found.reach, several)
    lines += _section(_, _("📚 <b>Who wants to learn it too</b>"), found.learn, several)
    lines.append("")
    shown = found.can[:PER_SECTION] + found.reach[:PER_SECTION] + found.learn[:PER_SECTION]
    if any(p.phone is None for p in shown):
        lines.append(
            _(
                "✉️ No number shown? The police chief and the municipality of your network "
                "can put you in touch."
            )
        )
    if found.anyone:
        lines.append(_("👥 Do you know someone else who can? Ask them to add it in /profile."))
        lines.append(_("🙋 Can you do it too? Tap below to add it to your list."))
    else:
        lines.append(
            _(
                "👥 Do you know someone who can? Ask them, or ask the police chief and the "
                "municipality: they know many people in the neighbourhood."
            )
        )
        lines.append(_("🙋 Can you do it yourself? 📚 Would you like to learn it? Tap below."))
    return Html("\n").join(lines)


def button_data(kind: Kind, need: str) -> str | None:
    """`who:can:<need>`; None if the need does not fit in a button's 64 bytes."""
    data = f"{PREFIX}:{kind}:{need}"
    return data if len(data.encode()) <= DATA_LIMIT else None


def answer_keyboard(_: Translator, need: str, *, reached: bool = False) -> Keyboard:
    """Can you? Do you want to learn? As buttons that put the need on the asker's own list;
    `reached`: the need is a community someone reaches, so "I reach them too" as well."""
    can, learn = button_data(Kind.CAN, need), button_data(Kind.LEARN, need)
    reach = button_data(Kind.REACH, need)
    if can is None or learn is None or reach is None:
        return []
    rows = [[Button(_("🙋 I can do this"), can), Button(_("📚 I want to learn this"), learn)]]
    if reached:
        rows.append([Button(_("🤝 I reach them too"), reach)])
    return rows


def too_long_for_buttons_text(_: Translator) -> Html:
    return _("To put it on your own list, use /profile.")


def ask_text(_: Translator) -> Html:
    return _(
        "🔎 What are you looking for? Type it in a word or two, for example "
        "<i>Arabic</i>, <i>repairing bikes</i> or <i>the mosque</i>."
    )


def empty_need_text(_: Translator) -> Html:
    return _(
        "Type what you are looking for after /whocan, in a word or two, for example: /whocan Arabic"
    )


def too_long_need_text(_: Translator) -> Html:
    return _(
        "That is a bit long: say it in a few words (at most {limit} characters), please.",
        limit=ITEM_LIMIT,
    )


def no_words_text(_: Translator, need: str) -> Html:
    return _(
        "I can't search on “{need}”: name what is needed in a word or two, for example "
        "/whocan Arabic.",
        need=need,
    )


def not_a_member_text(_: Translator) -> Html:
    return _(
        "/whocan searches the members of your own network for who can help. It is for "
        "members of a network; you are not one (yet)."
    )


def added_text(_: Translator, kind: Kind, new: list[str], items: list[str]) -> Html:
    """After a button under an answer, or typing in /profile: what is on which list now."""
    what = list_name(_, kind)
    if not new:
        return _("“{item}” was already on your list “{list}”.", item=", ".join(items), list=what)
    return _(
        "✓ On your list “{list}”: {items}. /profile shows your lists.",
        list=what,
        items=", ".join(new),
    )


def full_text(_: Translator, kind: Kind) -> Html:
    return _(
        "Your list “{list}” holds at most {n} items: remove one in /profile first.",
        list=list_name(_, kind),
        n=MOST,
    )


def privacy_text(_: Translator) -> Html:
    """For the full /privacy notice: what the lists are, who finds them, how long they stay."""
    return _(
        "Your lists in /profile (what you can do, want to learn and whom you reach): the "
        "members of your networks find them with /whocan, with your name; they go when you "
        "leave your last network."
    )


def list_name(_: Translator, kind: Kind) -> str:
    if kind is Kind.CAN:
        return _("What I can do")
    if kind is Kind.LEARN:
        return _("What I want to learn")
    return _("Whom I reach")
