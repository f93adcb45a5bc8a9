"""/mydata for a person, not a programmer: a short summary to read, the whole record as a file.

`storage.privacy.export_person` gathers everything stored about a person. Here it becomes two
things: a summary that fits one message however many networks the person is in (who they are,
their networks and roles, their details, and what they answered as counts, not dumps), and
the full record as a JSON document with keys a reader understands. Join links are left out of
the file: they work like keys, and the person has them already.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.fit import cut_label
from bot.i18n import LANGUAGE_NAMES, Html, Translator
from domain.labels import day_of, diet_name, role_name, status_name

MAX_NETWORKS = 20  # network lines in the summary before "… and N more"
MAX_VALUE = 100  # characters of one detail in the summary; the file has all of it

# What each part of the record is called in the file, and what its keys are called there.
# A key not listed keeps its name (a new part of the record still reaches the person); a key
# named None is left out.
_PARTS: Mapping[str, tuple[str, Mapping[str, str | None]]] = {
    "profile": (
        "you",
        {
            "first_stored_at": "first_contact_at",
            "blocked_bot_at": "you_blocked_the_bot_at",
        },
    ),
    "memberships": (
        "networks",
        {
            "display_name": "name",
            "reach": "communities_you_reach",
            "phone": "phone_number",
            "phone_on_call_list": "police_chief_and_municipality_may_call_you",
            "phone_shown_to_members": "other_members_see_your_number",
            "diet": "meals",
            "consent_given_at": "agreed_to_privacy_notice_at",
            "joined_group_at": "joined_group_chat_at",
            "removed_at": "left_or_removed_at",
        },
    ),
    "group_invite_links": (
        "group_chat_join_links",
        {"link": None, "created_at": "made_at", "revoked_at": "withdrawn_at"},
    ),
    "alerts_received": (
        "alerts_received",
        {
            "incident_id": "alert_number",
            "acknowledged_at": "seen_at",
            "mood": "mood_you_reported",
            "reply_text": "your_reply",
            "call_me_at": "asked_to_be_called_at",
            "unreachable_at": "could_not_reach_you_at",
            "reminded_at": "reminder_sent_at",
        },
    ),
    "meeting_answers": (
        "meeting_answers",
        {"meeting": "meeting_starts_at", "answer": "your_answer", "attended": "you_came"},
    ),
    "agenda_topics": (
        "topics_you_proposed",
        {"text": "topic", "anonymous": "without_your_name", "created_at": "proposed_at"},
    ),
    "actions": ("agreed_actions_you_took_on", {"what": "action"}),
    "mood_pulse_answers": (
        "your_mood_pulse_answers",
        {"asked_at": "asked_on", "open": "still_open", "words": "your_words"},
    ),
    "signals": ("signals_you_sent", {}),
    "rumours_raised": ("rumours_you_passed_on", {"text": "rumour", "raised_at": "passed_on_at"}),
    "talents": ("what_you_can_do_want_to_learn_and_reach", {"text": "item"}),
    "whatsapp": ("whatsapp", {"consent_at": "you_agreed_at", "consent_source": "agreed_through"}),
}


def _renamed(value: Any, keys: Mapping[str, str | None]) -> Any:
    if isinstance(value, list):
        return [_renamed(item, keys) for item in value]
    if isinstance(value, dict):
        return {keys.get(k, k): v for k, v in value.items() if keys.get(k, k) is not None}
    return value


def readable(_: Translator, record: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The record as the person gets it in the file: readable keys, an explanation on top."""
    document: dict[str, Any] = {
        "about_this_file": str(
            _(
                "Everything Bondgenoten stores about you, made at your request with /mydata. "
                "Times are in UTC. Join links are left out: they work like keys. /forget "
                "deletes all of it."
            )
        ),
        "made_at": now.isoformat(),
    }
    for key, value in record.items():
        name, keys = _PARTS.get(key, (key, {}))
        document[name] = _renamed(value, keys)
    return document


def file_name(now: datetime) -> str:
    return f"bondgenoten-my-data-{now:%Y-%m-%d}.json"


# --- the summary ---------------------------------------------------------------------------


def summary(
    _: Translator,
    record: Mapping[str, Any],
    tz: ZoneInfo,
    *,
    now: datetime,
    configured_coordinator: bool,
    with_file: bool = True,
) -> Html:
    """What we keep, in a few lines: fits one message with any number of networks.
    `with_file`: the file follows (on Telegram; WhatsApp's MY DATA has the summary alone)."""

    def day(iso: str | None) -> str:
        """A stored moment as its day: "12 maart", with the year when it is not this one's."""
        return day_of(_, iso, tz, this_year=now.astimezone(tz).year) if iso else "–"

    lines: list[str] = [_("<b>What we keep about you</b>"), ""]
    lines += _you(_, record, day, configured_coordinator)
    networks = record.get("memberships") or []
    if networks:
        lines += ["", *_networks(_, networks, day), "", *_details(_, networks)]
    lines += _talents(_, record.get("talents") or [])
    lines += _whatsapp(_, record.get("whatsapp"), day)
    activity = _activity(_, record)
    if activity:
        lines += ["", _("<b>What you did</b>"), *activity]
    lines += [
        "",
        _("Everything is in the file below. /profile changes your details, /forget deletes it all.")
        if with_file
        else _(
            "/mydata in Telegram gives all of it as a file. FORGET ME here or /forget there "
            "deletes it all."
        ),
    ]
    return Html("\n").join(lines)


Day = Callable[[str | None], str]


def _you(
    _: Translator, record: Mapping[str, Any], day: Day, configured_coordinator: bool
) -> list[str]:
    lines: list[str] = [_("Your Telegram id: {id}", id=record.get("telegram_user_id"))]
    person = record.get("profile")
    if person:
        chosen = person.get("language")
        lines.append(
            _("Language: {language}", language=LANGUAGE_NAMES[chosen])
            if chosen in LANGUAGE_NAMES
            else _("Language: as your Telegram app")
        )
        lines.append(
            _(
                "Known since {first}, last active {last}.",
                first=day(person.get("first_stored_at")),
                last=day(person.get("last_active_at")),
            )
        )
    appointed = record.get("coordinator")
    if appointed:
        lines.append(_("Coordinator since {day}.", day=day(appointed.get("appointed_at"))))
    elif configured_coordinator:
        lines.append(_("Coordinator (set in the bot's configuration)."))
    return lines


def _networks(_: Translator, memberships: list[Mapping[str, Any]], day: Day) -> list[str]:
    lines: list[str] = [
        _.ngettext("<b>Your network</b>", "<b>Your networks ({n})</b>", len(memberships))
    ]
    for m in memberships[:MAX_NETWORKS]:
        since = m.get("decided_at") or m.get("applied_at")
        if m.get("status") == "removed":
            since = m.get("removed_at")
        lines.append(
            _(
                "• {network} – {role}, {status} ({day})",
                network=cut_label(str(m.get("network") or "?")),
                role=role_name(_, str(m.get("role"))),
                status=status_name(_, str(m.get("status"))),
                day=day(since),
            )
            if since
            else _(
                "• {network} – {role}, {status}",
                network=cut_label(str(m.get("network") or "?")),
                role=role_name(_, str(m.get("role"))),
                status=status_name(_, str(m.get("status"))),
            )
        )
    hidden = len(memberships) - MAX_NETWORKS
    if hidden > 0:
        lines.append(_("… and {n} more (in the file)", n=hidden))
    return lines


def _details(_: Translator, memberships: list[Mapping[str, Any]]) -> list[str]:
    """Each detail once: the answer, or how many different answers the networks have."""

    def one(label: str, values: list[Any], show: Callable[[Any], str]) -> str:
        distinct = list(dict.fromkeys(values))
        if len(distinct) > 1:
            shown: str = _(
                "{n} different answers, one per network (/profile shows each)", n=len(distinct)
            )
        else:
            shown = show(distinct[0])
            if not isinstance(shown, Html):  # what the person typed: cut before it is escaped
                shown = cut_label(shown, MAX_VALUE)
        return _("<b>{label}:</b> {value}", label=label, value=shown)

    def phone(choice: tuple[str | None, bool, bool]) -> str:
        number, to_hosts, to_members = choice
        if not number:
            return _("not given")
        if to_hosts and to_members:
            return _(
                "{phone} (the police chief and municipality may call you; members see it)",
                phone=number,
            )
        if to_hosts:
            return _("{phone} (the police chief and municipality may call you)", phone=number)
        if to_members:
            return _("{phone} (members see it)", phone=number)
        return _("{phone} (not shared)", phone=number)

    return [
        _("<b>Your details</b>"),
        one(_("Name"), [m.get("display_name") for m in memberships], lambda v: v or "–"),
        one(
            _("Organisation"),
            [m.get("organisation") for m in memberships],
            lambda v: v or _("none"),
        ),
        one(_("Communities you reach"), [m.get("reach") for m in memberships], lambda v: v or "–"),
        one(
            _("Phone"),
            [
                (
                    m.get("phone"),
                    bool(m.get("phone_on_call_list")),
                    bool(m.get("phone_shown_to_members")),
                )
                for m in memberships
            ],
            phone,
        ),
        one(_("Meals"), [m.get("diet") for m in memberships], lambda v: diet_name(_, v)),
    ]


def _whatsapp(_: Translator, linked: Mapping[str, Any] | None, day: Day) -> list[str]:
    """The WhatsApp link: the id and number, the consent, the channel per network."""
    if not linked or not linked.get("whatsapp_id"):
        return []
    source = (
        _("through the invite")
        if linked.get("consent_source") == "invite"
        else _("through /profile")
    )
    lines = [
        "",
        _("<b>WhatsApp</b>"),
        _(
            "WhatsApp id {id}{phone}; you agreed on {day} by sending your code ({source}).",
            id=linked["whatsapp_id"],
            phone=Html(", +{phone}").format(phone=linked["phone"]) if linked.get("phone") else "",
            day=day(linked.get("consent_at")),
            source=source,
        ),
    ]
    if linked.get("stopped_at"):
        lines.append(
            _("You wrote STOP on {day}: nothing is sent there.", day=day(linked["stopped_at"]))
        )
    chosen = [
        cut_label(str(c.get("network") or "?"), MAX_VALUE)
        for c in linked.get("channel_per_network") or []
        if c.get("channel") == "whatsapp"
    ]
    lines.append(
        _("On WhatsApp: {networks}.", networks=", ".join(chosen))
        if chosen
        else _("Every network reaches you on Telegram.")
    )
    return lines


def _talents(_: Translator, items: list[Mapping[str, Any]]) -> list[str]:
    """The lists of talents and reach (/profile), as counts: the file has every item."""
    if not items:
        return []
    count = {kind: sum(1 for t in items if t.get("list") == kind) for kind in ("can", "learn")}
    reach = sum(1 for t in items if t.get("list") == "reach")
    return [
        _(
            "<b>What you bring:</b> {can}, {learn}, {reach} (/profile)",
            can=_.ngettext("{n} thing you can do", "{n} things you can do", count["can"]),
            learn=_.ngettext("{n} to learn", "{n} to learn", count["learn"]),
            reach=_.ngettext("{n} community you reach", "{n} communities you reach", reach),
        )
    ]


def _activity(_: Translator, record: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    alerts = record.get("alerts_received") or []
    if alerts:
        lines.append(
            _(
                "Alerts: {n} received, {seen} seen, {replies} answered, {calls} asked to be called",
                n=len(alerts),
                seen=sum(1 for a in alerts if a.get("acknowledged_at")),
                replies=sum(1 for a in alerts if a.get("reply_text") or a.get("mood")),
                calls=sum(1 for a in alerts if a.get("call_me_at")),
            )
        )
    answers = record.get("meeting_answers") or []
    if answers:
        lines.append(
            _(
                "Meal meetings: {n} answered, {came} attended",
                n=len(answers),
                came=sum(1 for a in answers if a.get("attended")),
            )
        )
    rumours = record.get("rumours_raised") or []
    if rumours:
        lines.append(
            _(
                "Rumours you passed on: {n}, {judged} with a verdict",
                n=len(rumours),
                judged=sum(1 for r in rumours if r.get("verdict") != "open"),
            )
        )
    pulses = record.get("mood_pulse_answers") or []
    if pulses:
        lines.append(
            _(
                "Mood pulse: {open} answer still open, {signed} with your name",
                open=sum(1 for p in pulses if p.get("open")),
                signed=sum(1 for p in pulses if p.get("with_your_name")),
            )
        )
    topics = record.get("agenda_topics") or []
    if topics:
        lines.append(_("Topics you proposed: {n}", n=len(topics)))
    actions = record.get("actions") or []
    if actions:
        lines.append(
            _(
                "Agreed actions you took on: {n}, {done} done",
                n=len(actions),
                done=sum(1 for a in actions if a.get("done_at")),
            )
        )
    sent = record.get("signals") or []
    if sent:
        lines.append(
            _(
                "Signals you sent: {n}, {open} still open",
                n=len(sent),
                open=sum(1 for s in sent if s.get("status") != "closed"),
            )
        )
    links = record.get("group_invite_links") or []
    if links:
        lines.append(_("Join links made for you: {n}", n=len(links)))
    return lines
