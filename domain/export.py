"""A network's roster and attendance as files, for an access request (`/export NETWORK`).

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
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.fit import cut_label
from bot.i18n import Translator
from domain.context import Context
from domain.labels import role_name, status_name
from storage import export as store
from storage import meetings, memberships, networks
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
