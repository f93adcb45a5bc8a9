"""A network's roster and attendance as files, for an access request (`/export NETWORK`), and
its numbers — meetings, agreed actions, how alerts were taken — as files its hosts and the
coordinators can work with themselves (issue 12).

The numbers files name no one who reacted to an alert and hold no message text: per alert how
many it reached, saw it and answered, and how fast; per meeting how many said yes and came.
Only the agreed actions name their owner, as the hosts see them already. They count what the
retention windows still hold, from the window's start (domain.health), and their captions say
from when.

Three files: the members and the attendance per meeting as CSV for Excel, and both together as
one JSON file for a machine. What they hold is what a host already sees: name, role,
organisation, status and dates; a phone number only where the member allowed the police chief
and municipality to call it. Diets and the communities people reach stay out: an access
request about the network does not need them, and a diet can tell someone's religion.

The CSV files are what Dutch Excel opens with a double click: UTF-8 with a byte order mark (so
"Ayşe" is not garbled) and `;` between the columns (Excel in a Dutch set-up takes the comma for
decimals and splits on `;`; a comma would leave everything in one column). A cell that starts
like a formula (= + - @) gets a leading ' so Excel never runs what someone typed as their name.
Moments are the network's local time as "2026-03-12 19:00", which Excel reads as a date and
sorts; the JSON keeps them as stored (ISO 8601, UTC).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.fit import cut_label
from bot.i18n import Translator
from domain import health as health_numbers
from domain.context import Context
from domain.labels import role_name, status_name
from domain.meetings import done_on_time
from storage import actions, incidents, meetings, memberships, networks
from storage import export as store
from storage.actions import AgreedAction
from storage.export import Answer
from storage.meetings import Meeting
from storage.memberships import Membership
from storage.networks import Network

CSV_DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """What is exported of one network."""

    network: Network
    members: list[Membership]  # every status, removed members too
    meetings: list[Meeting]  # cancelled ones too
    answers: list[Answer]

    @property
    def empty(self) -> bool:
        return not self.members


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    caption: str


async def gather(ctx: Context, network_id: int) -> Export | None:
    """Everything the export holds; None when the network is gone."""
    db = ctx.database
    network = await networks.get(db, network_id)
    if network is None:
        return None
    return Export(
        network,
        await memberships.roster(db, network_id, include_removed=True),
        await meetings.of_network(db, network_id, include_cancelled=True),
        await store.attendance(db, network_id),
    )


def phone_of(member: Membership) -> str | None:
    """The number, only where the member allowed the police chief and municipality to call."""
    return member.phone if member.phone_to_hosts and member.phone else None


def cell(value: object) -> str:
    """A value as Excel should show it: text, never a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain(text: str) -> str:
    """A translated label (HTML-escaped for Telegram) as plain text for a file."""
    return html.unescape(str(text))


def local(iso: str | None, tz: ZoneInfo) -> str:
    if iso is None:
        return ""
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerows([[cell(value) for value in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def members_csv(_: Translator, export: Export, tz: ZoneInfo) -> bytes:
    rows: list[list[object]] = [
        [
            plain(_("Name")),
            plain(_("Role")),
            plain(_("Organisation")),
            plain(_("Status")),
            plain(_("Applied")),
            plain(_("Decided")),
            plain(_("In the group chat since")),
            plain(_("Left or removed")),
            plain(_("Phone (may be called by the police chief and municipality)")),
        ]
    ]
    for member in export.members:
        rows.append(
            [
                member.display_name,
                plain(role_name(_, member.role)),
                member.organisation,
                plain(status_name(_, member.status)),
                local(member.submitted_at, tz),
                local(member.decided_at, tz),
                local(member.joined_at, tz),
                local(member.removed_at, tz),
                phone_of(member),
            ]
        )
    return _csv(rows)


def _answer(_: Translator, answer: str | None) -> str:
    names = {"yes": _("yes"), "no": _("no"), "maybe": _("maybe")}
    return plain(names[answer]) if answer in names else ""


def _came(_: Translator, attended: bool | None) -> str:
    return "" if attended is None else plain(_("yes") if attended else _("no"))


def _meeting_status(_: Translator, meeting: Meeting) -> str:
    return plain(_("cancelled") if meeting.status == "cancelled" else _("planned"))


def attendance_csv(_: Translator, export: Export, tz: ZoneInfo) -> bytes:
    by_id = {meeting.id: meeting for meeting in export.meetings}
    rows: list[list[object]] = [
        [
            plain(_("Meeting")),
            plain(_("Meeting status")),
            plain(_("Name")),
            plain(_("Role")),
            plain(_("Answer")),
            plain(_("Came")),
        ]
    ]
    for answer in export.answers:
        meeting = by_id.get(answer.meeting_id)
        if meeting is None:
            continue
        rows.append(
            [
                local(meeting.starts_at, tz),
                _meeting_status(_, meeting),
                answer.name,
                plain(role_name(_, answer.role)) if answer.role else "",
                _answer(_, answer.answer),
                _came(_, answer.attended),
            ]
        )
    return _csv(rows)


def as_json(_: Translator, export: Export, now: datetime) -> bytes:
    """Both lists in one file, as stored (codes, not labels; UTC moments)."""
    network = export.network
    by_meeting: dict[int, list[dict[str, Any]]] = {m.id: [] for m in export.meetings}
    for answer in export.answers:
        by_meeting.setdefault(answer.meeting_id, []).append(
            {
                "name": answer.name,
                "role": answer.role,
                "answer": answer.answer,
                "came": answer.attended,
            }
        )
    document = {
        "about_this_file": plain(
            _(
                "The members of the network {network} and who answered and came to its "
                "meetings, for an access request. It holds personal data: keep it safe and "
                "delete it once the request is answered. Moments are in UTC.",
                network=network.name,
            )
        ),
        "exported_at": now.isoformat(),
        "network": {"name": network.name, "area": network.area, "set_up_at": network.created_at},
        "members": [
            {
                "name": m.display_name,
                "role": m.role,
                "organisation": m.organisation,
                "status": m.status,
                "applied_at": m.submitted_at,
                "decided_at": m.decided_at,
                "in_group_chat_since": m.joined_at,
                "left_or_removed_at": m.removed_at,
                "phone_police_and_municipality_may_call": phone_of(m),
            }
            for m in export.members
        ],
        "meetings": [
            {
                "starts_at": meeting.starts_at,
                "status": meeting.status,
                "attendance": by_meeting.get(meeting.id, []),
            }
            for meeting in export.meetings
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def slug(name: str) -> str:
    """A network's name as a file name: "Wijk Noord-Oost" → "wijk-noord-oost"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "network"


def files(_: Translator, export: Export, now: datetime, tz: ZoneInfo) -> list[File]:
    """The three files, in the order they are sent."""
    stem = slug(export.network.name)
    day = now.astimezone(tz).strftime("%Y-%m-%d")
    name = cut_label(export.network.name, 60)  # a caption holds 1,024 characters
    members, attendance = plain(_("members")), plain(_("attendance"))  # in the file names
    return [
        File(
            f"{stem}-{members}-{day}.csv",
            members_csv(_, export, tz),
            _("The members of {network} (CSV, opens in Excel).", network=name),
        ),
        File(
            f"{stem}-{attendance}-{day}.csv",
            attendance_csv(_, export, tz),
            _("Who answered and came to each meeting of {network} (CSV).", network=name),
        ),
        File(
            f"{stem}-{day}.json",
            as_json(_, export, now),
            _("Both together as one JSON file."),
        ),
    ]


# --- the numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Numbers:
    """A network's numbers for its hosts and coordinators (domain.health), with what the files
    add: every agreed action, and per alert its replies and when it closed."""

    network: Network
    health: health_numbers.Health
    actions: list[AgreedAction]
    replies: dict[int, int]  # incident id → members who answered (a mood or words)
    closed: dict[int, str | None]  # incident id → when it closed

    @property
    def empty(self) -> bool:
        return not (self.health.meetings or self.actions or self.health.alerts)


async def gather_numbers(ctx: Context, network_id: int) -> Numbers | None:
    db = ctx.database
    network = await networks.get(db, network_id)
    if network is None:
        return None
    health = await health_numbers.of_network(ctx, network_id, with_members=False)
    replies: dict[int, int] = {}
    closed: dict[int, str | None] = {}
    for alert in health.alerts:
        replies[alert.incident_id] = (await incidents.progress(db, alert.incident_id)).replies
        incident = await incidents.get(db, alert.incident_id)
        closed[alert.incident_id] = incident.closed_at if incident is not None else None
    return Numbers(network, health, await actions.of_network(db, network_id), replies, closed)


def meetings_csv(_: Translator, numbers: Numbers, tz: ZoneInfo) -> bytes:
    rows: list[list[object]] = [[plain(_("Meeting")), plain(_("Said yes")), plain(_("Came"))]]
    for meeting in numbers.health.meetings:
        rows.append([local(meeting.starts_at, tz), meeting.said_yes, meeting.came])
    return _csv(rows)


def action_state(_: Translator, action: AgreedAction, today: date, tz: ZoneInfo) -> str:
    """On time, late, open or past its date: as domain.health counts them."""
    if action.status == "done":
        done_at = datetime.fromisoformat(action.done_at) if action.done_at else None
        return plain(_("done on time") if done_on_time(action.due, done_at, tz) else _("done late"))
    return plain(_("past its date") if action.due < today else _("open"))


def actions_csv(_: Translator, numbers: Numbers, today: date, tz: ZoneInfo) -> bytes:
    rows: list[list[object]] = [
        [
            plain(_("Agreed")),
            plain(_("Action")),
            plain(_("Who")),
            plain(_("Date")),
            plain(_("Done at")),
            plain(_("How it went")),
        ]
    ]
    for action in numbers.actions:
        rows.append(
            [
                local(action.created_at, tz),
                action.what,
                action.owner_name or "",
                action.due_on,
                local(action.done_at, tz),
                action_state(_, action, today, tz),
            ]
        )
    return _csv(rows)


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")  # Dutch Excel's decimals


def alerts_csv(_: Translator, numbers: Numbers, tz: ZoneInfo) -> bytes:
    rows: list[list[object]] = [
        [
            plain(_("Alert sent")),
            plain(_("Reached")),
            plain(_("Not reachable")),
            plain(_("Seen")),
            plain(_("Median minutes until seen")),
            plain(_("Answered")),
            plain(_("Closed")),
        ]
    ]
    for alert in numbers.health.alerts:
        rows.append(
            [
                local(alert.created_at.isoformat(), tz),
                alert.reached,
                alert.unreachable,
                alert.seen,
                _minutes(alert.median),
                numbers.replies.get(alert.incident_id, 0),
                local(numbers.closed.get(alert.incident_id), tz),
            ]
        )
    return _csv(rows)


def _day(_: Translator, moment: datetime, tz: ZoneInfo) -> str:
    return str(format_date(moment.astimezone(tz).date(), "d MMMM y", locale=_.language))


def number_files(_: Translator, numbers: Numbers, now: datetime, tz: ZoneInfo) -> list[File]:
    """The three files of the numbers, in the order they are sent; each caption says from when
    it counts."""
    health = numbers.health
    stem = slug(numbers.network.name)
    day = now.astimezone(tz).strftime("%Y-%m-%d")
    name = cut_label(numbers.network.name, 60)
    since = _day(_, health.since, tz)
    alerts_note = (
        _(
            "Counted since {day}: older alerts are deleted after {days} days.",
            day=_day(_, health.alerts_since, tz),
            days=health.incident_days,
        )
        if health.alerts_cut
        else _("Counted since {day}.", day=since)
    )
    meetings_word, actions_word, alerts_word = (
        plain(_("meetings")),
        plain(_("actions")),
        plain(_("alerts")),
    )
    return [
        File(
            f"{stem}-{meetings_word}-{day}.csv",
            meetings_csv(_, numbers, tz),
            _(
                "Each meeting of {network} whose attendance the police chief or the municipality "
                "confirmed: how many said yes and how many came (CSV).",
                network=name,
            )
            + " "
            + _("Counted since {day}.", day=since),
        ),
        File(
            f"{stem}-{actions_word}-{day}.csv",
            actions_csv(_, numbers, now.astimezone(tz).date(), tz),
            _(
                "Every agreed action of {network}: who, by when, and whether it was done on "
                "time, late, or is still open (CSV).",
                network=name,
            ),
        ),
        File(
            f"{stem}-{alerts_word}-{day}.csv",
            alerts_csv(_, numbers, tz),
            _(
                "Each alert to {network}: how many it reached, saw it and answered, the median "
                "minutes until seen, and when it closed; no names, no messages (CSV).",
                network=name,
            )
            + " "
            + alerts_note,
        ),
    ]
