"""The rules of rapid-response incident alerts, as plain functions a test can call.

Who receives an alert, how its text is checked and headed, how the sender's live progress line
and the mood tally read, and which escalation step is due at a given moment. No Telegram, no
database: the handlers in `handlers.incidents` and the repository `storage.incidents` do that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import Html, Translator
from storage.incidents import Progress

MAX_TEXT = 3500  # the column allows 1–3500; leaves room for the header within Telegram's 4096
SEVERITIES = ("info", "urgent", "critical")
SHARINGS = ("network_only", "shareable")
MOODS = ("calm", "worried", "tense", "rumours")
SEVERITY_ICON = {"info": "🔵", "urgent": "🟠", "critical": "🔴"}
MOOD_ICON = {"calm": "🙂", "worried": "😟", "tense": "😠", "rumours": "👂"}


# --- who receives --------------------------------------------------------------------------


def recipients(
    members_by_network: Mapping[int, Iterable[int]], network_ids: Iterable[int], sender_id: int
) -> dict[int, int]:
    """user_id → the network they get the alert for: each person once, never the sender.

    `members_by_network` holds the approved members of each network; a person in several of
    the chosen networks is counted for the first one in `network_ids` order.
    """
    chosen: dict[int, int] = {}
    for network_id in network_ids:
        for user_id in members_by_network.get(network_id, ()):
            if user_id != sender_id:
                chosen.setdefault(user_id, network_id)
    return chosen


# --- the text ------------------------------------------------------------------------------


class TextProblem(StrEnum):
    empty = "empty"
    too_long = "too_long"


def check_text(text: str | None) -> str | TextProblem:
    """The alert text as it will be sent (trimmed), or what is wrong with it."""
    cleaned = (text or "").strip()
    if not cleaned:
        return TextProblem.empty
    if len(cleaned) > MAX_TEXT:
        return TextProblem.too_long
    return cleaned


def severity_name(_: Translator, severity: str) -> Html:
    names = {"info": _("INFO"), "urgent": _("URGENT"), "critical": _("CRITICAL")}
    return names[severity]


def sharing_name(_: Translator, sharing: str) -> Html:
    if sharing == "shareable":
        return _("may be shared with your following")
    return _("network only")


def header(_: Translator, severity: str, sharing: str) -> str:
    """The first line of every copy: "🔴 <b>CRITICAL</b> · network only"."""
    return (
        f"{SEVERITY_ICON[severity]} <b>{severity_name(_, severity)}</b>"
        f" · {sharing_name(_, sharing)}"
    )


# --- what came back ------------------------------------------------------------------------


def mood_name(_: Translator, mood: str) -> Html:
    names = {
        "calm": _("calm"),
        "worried": _("worried"),
        "tense": _("tense"),
        "rumours": _("rumours going round"),
    }
    return names[mood]


def mood_tally(moods: Iterable[str | None]) -> dict[str, int]:
    """How many chose each mood, in the fixed order of `MOODS` (zeros included)."""
    tally = dict.fromkeys(MOODS, 0)
    for mood in moods:
        if mood in tally:
            tally[mood] += 1
    return tally


def tally_line(_: Translator, tally: Mapping[str, int]) -> str:
    """ "🙂 calm 2 · 😟 worried 1" – only the moods someone chose; empty if none."""
    return " · ".join(
        f"{MOOD_ICON[mood]} {mood_name(_, mood)} {n}" for mood, n in tally.items() if n
    )


def progress_line(_: Translator, progress: Progress) -> str:
    """ "sent 120/300 · acknowledged 45 · replies 3 · unreachable 2"."""
    parts = [
        _("sent {sent}/{total}", sent=progress.sent, total=progress.total),
        _("acknowledged {n}", n=progress.acknowledged),
        _("replies {n}", n=progress.replies),
    ]
    if progress.call_me:
        parts.append(_("call me {n}", n=progress.call_me))
    if progress.unreachable:
        parts.append(_("unreachable {n}", n=progress.unreachable))
    if progress.failed:
        parts.append(_("failed {n}", n=progress.failed))
    if progress.expired:
        parts.append(_("not delivered in time {n}", n=progress.expired))
    if progress.at_the_door:
        parts.append(_("on WhatsApp, waiting for their tap {n}", n=progress.at_the_door))
    if progress.held_back:
        parts.append(_("held back by WhatsApp's daily limit {n}", n=progress.held_back))
    return " · ".join(parts)


def status_text(
    _: Translator,
    incident_id: int,
    progress: Progress,
    *,
    waiting: bool = False,
    closed: bool = False,
) -> str:
    """The sender's live status message; a summary once every delivery has its outcome.

    `waiting`: Telegram is not answering at the moment, and what is left waits for it.
    `closed`: the incident is closed; acknowledgements that still come in are counted.
    """
    if closed:
        return _(
            "🔒 Alert #{id} is closed: {line}",
            id=incident_id,
            line=Html(progress_line(_, progress)),
        )
    if waiting and not progress.done:
        line = Html(progress_line(_, progress))  # apart: a `_` inside ngettext hides its plural
        return _.ngettext(
            "⏳ Alert #{id}: Telegram is not answering right now. I keep trying and send the "
            "one message still waiting as soon as it does.\n{line}",
            "⏳ Alert #{id}: Telegram is not answering right now. I keep trying and send the "
            "{n} messages still waiting as soon as it does.\n{line}",
            progress.pending,
            id=incident_id,
            line=line,
        )
    if progress.done:
        return _(
            "✅ Alert #{id} is out: {line}\nI keep counting acknowledgements here. "
            "/incident {id} shows who.",
            id=incident_id,
            line=Html(progress_line(_, progress)),
        )
    return _(
        "⏳ Alert #{id} is going out: {line}",
        id=incident_id,
        line=Html(progress_line(_, progress)),
    )


# --- escalation ----------------------------------------------------------------------------


class Step(StrEnum):
    remind = "remind"  # one reminder to who has not acknowledged
    escalate = "escalate"  # the hosts get the list, to call them


def step_times(created_at: datetime, timings: tuple[int, int] | None) -> dict[Step, datetime]:
    """When each escalation step falls due; none for an alert that is not escalated."""
    if timings is None:
        return {}
    remind, escalate = timings
    return {
        Step.remind: created_at + timedelta(minutes=remind),
        Step.escalate: created_at + timedelta(minutes=escalate),
    }


def due_steps(
    *,
    open_: bool,
    created_at: datetime,
    timings: tuple[int, int] | None,
    reminded: bool,
    escalated: bool,
    now: datetime,
) -> list[Step]:
    """The steps to take now: due, not done before, and only while the incident is open."""
    if not open_:
        return []
    done = {Step.remind: reminded, Step.escalate: escalated}
    return [
        step
        for step, when in step_times(created_at, timings).items()
        if when <= now and not done[step]
    ]


def next_step_at(
    *,
    open_: bool,
    created_at: datetime,
    timings: tuple[int, int] | None,
    reminded: bool,
    escalated: bool,
) -> dict[Step, datetime]:
    """The steps still to come (due or not), with their moments: what to schedule."""
    if not open_:
        return {}
    done = {Step.remind: reminded, Step.escalate: escalated}
    return {s: w for s, w in step_times(created_at, timings).items() if not done[s]}
