"""What an alert's recipients, its sender and its hosts read: texts and buttons, no flow."""

from __future__ import annotations

from collections.abc import Callable

from bot.fit import LIMIT, cut_label, page_bounds
from bot.i18n import Translator, escape
from domain import incidents as rules
from domain.ports import Button, Keyboard, page_turn
from storage.incidents import Recipient
from storage.networks import Network

MAX_NAMES = 40  # names listed in /incident and the hosts' call list before "and N more"
NOT_SEEN_PER_PAGE = 50  # people on one page of "who has not seen it"
NOT_SEEN_HEADER = 300  # characters kept free on each page for its header lines


def alert_text(_: Translator, severity: str, sharing: str, network_names: str, text: str) -> str:
    """The alert as every recipient sees it (group chats and private chats alike)."""
    return "\n".join(
        [
            rules.header(_, severity, sharing),
            _("📍 <b>{networks}</b>", networks=network_names),
            "",
            escape(text),
            "",
            _("🚨 Emergency? Call 112 first – this chat is not the emergency line."),
        ]
    )


def alert_buttons(_: Translator, incident_id: int) -> Keyboard:
    return [
        [
            Button(_("✅ Seen"), f"inc:ack:{incident_id}"),
            Button(_("💬 Reply"), f"inc:reply:{incident_id}"),
        ],
        [Button(_("📞 Call me"), f"inc:call:{incident_id}")],
    ]


def follow_up_text(_: Translator, kind: str, severity: str, network_names: str, text: str) -> str:
    title = _("🔁 <b>Update</b>") if kind == "update" else _("✅ <b>Closed</b>")
    icon = rules.SEVERITY_ICON[severity]
    return _(
        "{icon} {title} · {networks}\n\n{text}",
        icon=icon,
        title=title,
        networks=network_names,
        text=text,
    )


def reminder_text(_: Translator) -> str:
    return _(
        "⏰ Have you seen this alert? Please press ✅ Seen, so the police chief and the "
        "municipality know it reached you. 🚨 Emergency? Call 112."
    )


def mood_label(_: Translator, mood: str) -> str:
    return f"{rules.MOOD_ICON[mood]} {rules.mood_name(_, mood)}"


def name_of(_: Translator, person: Recipient) -> str:
    return person.display_name or _("a member")


def person_line(_: Translator, person: Recipient) -> str:
    name = name_of(_, person)
    if person.unreachable_at is not None:
        return _("• {name} – unreachable (blocked the bot)", name=name)
    if person.phone:
        return _("• {name} – {phone}", name=name, phone=person.phone)
    return _("• {name} – no phone number shared", name=name)


def names_list(_: Translator, people: list[Recipient], line: Callable[[Recipient], str]) -> str:
    shown = [line(p) for p in people[:MAX_NAMES]]
    if len(people) > MAX_NAMES:
        shown.append(_("… and {n} more", n=len(people) - MAX_NAMES))
    return "\n".join(shown)


def excerpt(text: str, width: int = 60) -> str:
    """The start of an alert's text on one line, to say which alert a question is about."""
    return cut_label(text, width)


# --- the sender's status message and the hosts' buttons ---------------------------------------


def status_buttons(_: Translator, incident_id: int, *, open_: bool) -> Keyboard:
    """Under the sender's status message and /incident: follow up, close, who has not seen it.
    A closed incident keeps only the list (acknowledgements still come in)."""
    not_seen = Button(_("👀 Who has not seen it"), f"inc:who:{incident_id}")
    if not open_:
        return [[not_seen]]
    return [
        [
            Button(_("🔁 Update"), f"inc:upd:{incident_id}"),
            Button(_("✅ Close"), f"inc:close:{incident_id}"),
        ],
        [not_seen],
    ]


def not_seen_page(
    _: Translator, incident_id: int, people: list[Recipient], total: int, page: int
) -> tuple[str, Keyboard, int]:
    """One page of the people who have not acknowledged an alert (with a phone number where
    they shared it), ◀ ▶ to turn, and the page shown (`page` kept within the pages there are).

    Every page fits one message, however many people and however long their names.
    """
    title = _("👀 <b>Alert #{id}</b>", id=incident_id)
    if not people:
        return "\n".join([title, _("Everyone who got it has seen it.")]), [], 0
    lines = [person_line(_, p) for p in people]
    pages = page_bounds(
        [len(line) for line in lines],  # at least what Telegram counts: cheap, and safe
        per_page=NOT_SEEN_PER_PAGE,
        limit=LIMIT - NOT_SEEN_HEADER,
    )
    page = max(0, min(page, len(pages) - 1))
    shown = pages[page]
    header = [
        title,
        _.ngettext(
            "{n} of {total} has not seen it yet.",
            "{n} of {total} have not seen it yet.",
            len(people),
            total=total,
        ),
    ]
    if len(pages) > 1:
        first, last = shown.start + 1, shown.stop
        header.append(_("{first}–{last} of {total}", first=first, last=last, total=len(people)))
    turn = page_turn(f"inc:whop:{incident_id}", page, len(pages))
    text = "\n".join([*header, "", *(lines[i] for i in shown)])
    return text, [turn] if turn else [], page


# --- following up and closing: the host's questions and previews ------------------------------


def ask_update(_: Translator, incident_id: int, alert: str) -> str:
    return _(
        "🔁 Update to alert #{id} (“{excerpt}”).\nType what is new: what is known now, what is "
        "being done, what you ask of the members (at most {max} characters).",
        id=incident_id,
        excerpt=excerpt(alert),
        max=rules.MAX_TEXT,
    )


def ask_close(_: Translator, incident_id: int, alert: str) -> str:
    return _(
        "Close alert #{id} (“{excerpt}”)? Reminders and call lists stop.\n"
        "You may add a closing word for everyone who got it, e.g. “It is calm again, thank you "
        "all.” Type it now, or close without one.",
        id=incident_id,
        excerpt=excerpt(alert),
    )


def too_long(_: Translator, text: str) -> str:
    return _(
        "That text has {n} characters; at most {max} fit. Please shorten it and send it again.",
        n=len(text.strip()),
        max=rules.MAX_TEXT,
    )


def follow_up_preview(
    _: Translator,
    kind: str,
    incident_id: int,
    severity: str,
    network_names: str,
    text: str,
    reach: tuple[int, int],
) -> str:
    """What an update or closing word will look like, and whom it reaches."""
    people, groups = reach
    intro = (
        _(
            "<b>Preview</b> – this update goes to everyone who got alert #{id}, as a reply "
            "under it:",
            id=incident_id,
        )
        if kind == "update"
        else _(
            "<b>Preview</b> – alert #{id} is closed with this word to everyone who got it:",
            id=incident_id,
        )
    )
    return "\n".join(
        [
            intro,
            "",
            follow_up_text(_, kind, severity, network_names, text),
            "",
            "———",
            _(
                "It reaches {people} and {groups}.",
                people=_.ngettext("{n} person", "{n} people", people),
                groups=_.ngettext("{n} group chat", "{n} group chats", groups),
            ),
            _("To change it, just type it again."),
        ]
    )


def follow_up_buttons(_: Translator, kind: str, incident_id: int, revision: int) -> Keyboard:
    """Send (or Close and send) a previewed text; `revision` tells an older preview apart."""
    send = (
        Button(_("📤 Send"), f"inc:usend:{incident_id}:{revision}")
        if kind == "update"
        else Button(_("✅ Close and send"), f"inc:csend:{incident_id}:{revision}")
    )
    return [[send]]


def close_buttons(_: Translator, incident_id: int) -> Keyboard:
    return [[Button(_("✅ Close without a word"), f"inc:cnow:{incident_id}")]]


# --- who reads the replies (/replies) --------------------------------------------------------


def readers_text(_: Translator, network: Network) -> str:
    """What the network chose: only its hosts (and an alert's sender), or the coordinators too."""
    now = (
        _("the coordinators read them too")
        if network.coordinators_see_replies
        else _("only the police chief, the municipality and who sent the alert")
    )
    return _(
        "💬 <b>Replies to alerts in {network}</b>\n"
        "Members' replies, their mood and the list of who to call go to the police chief and "
        "the municipality of {network}, and to who sent the alert. The coordinators read them "
        "only if the network asks for it.\n\nNow: <b>{now}</b>.",
        network=network.name,
        now=now,
    )


def readers_keyboard(_: Translator, network: Network) -> Keyboard:
    if network.coordinators_see_replies:
        return [[Button(_("Only us again"), f"rdr:off:{network.id}")]]
    return [[Button(_("Coordinators read them too"), f"rdr:on:{network.id}")]]
