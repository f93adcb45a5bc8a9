"""What an alert's recipients, its sender and its hosts read: texts and buttons, no flow."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import Translator, escape
from domain import incidents as rules
from domain.ports import Button, Keyboard
from storage.incidents import Recipient

MAX_NAMES = 40  # names listed in /incident and the hosts' call list before "and N more"


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
        "⏰ Have you seen this alert? Please press ✅ Seen, so the hosts know it reached you. "
        "🚨 Emergency? Call 112."
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
