"""The words and buttons of meal meetings and agreed actions, apart from the flow that sends them.

Every text is a gettext msgid through the reader's translator `_`; a group's texts take the
group's translator, so they are extracted for the catalogs like every other text. Buttons are
the domain's `Button`s; the Telegram side renders them (`bot.render`).

Button actions: mtg:att:<meeting>:<answer> (Yes / No / Maybe, in the group's count and in the
private chat alike) · mtg:here:<meeting>:<user> and mtg:herok:<meeting> (who came) ·
act:prog:<action> and act:done:<action> (the owner's progress).

The group's count shows numbers only – never who answered what, nor who has not answered
(issue 10): the hosts get the names privately, in the headcount.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.fit import keyboard_rows
from bot.i18n import Html, Translator
from domain import meetings as rules
from domain.labels import day_text, diet_name, moment_text
from domain.ports import Button
from storage.actions import AgreedAction
from storage.meetings import Answer, Meeting, Topic

MAX_NAMES = 40


# --- shared words --------------------------------------------------------------------------------


def when_text(_: Translator, meeting: Meeting, tz: Any, *, this_year: int) -> str:
    """When a meeting is: "donderdag 12 maart, 19:00", the year only when not `this_year`."""
    return moment_text(_, meeting.starts_at, tz, this_year=this_year)


def venue_text(_: Translator, meeting: Meeting) -> Html:
    """Where: "the police station, Stationsplein 1"."""
    names = {
        "police_station": _("the police station"),
        "town_hall": _("the town hall"),
    }
    place = names.get(meeting.venue_kind) or _("{name}", name=meeting.venue_name or "")
    if meeting.address:
        return _("{place}, {address}", place=place, address=meeting.address)
    return place


def venue_title(_: Translator, meeting: Meeting) -> str:
    if meeting.venue_kind == "police_station":
        return _("Police station")
    if meeting.venue_kind == "town_hall":
        return _("Town hall")
    return meeting.venue_name or _("Meal meeting")


def answer_name(_: Translator, answer: str | None) -> Html:
    names = {"yes": _("Yes"), "no": _("No"), "maybe": _("Maybe")}
    return names.get(answer or "", _("no answer"))


def person_name(_: Translator, person: Answer) -> str:
    return person.display_name or _("a member")


def names_of(_: Translator, people: list[Answer]) -> str:
    shown = [person_name(_, p) for p in people[:MAX_NAMES]]
    if len(people) > MAX_NAMES:
        shown.append(_("and {n} more", n=len(people) - MAX_NAMES))
    return ", ".join(shown) if shown else "–"


def due_text(_: Translator, due: date, *, this_year: int) -> str:
    """By when an action is due: "12 maart", the year only when not `this_year`."""
    return day_text(_, due, this_year=this_year)


def invitation_text(
    _: Translator, network_name: str, meeting: Meeting, tz: Any, *, this_year: int
) -> Html:
    lines = [
        _("🍽 <b>Meal meeting of {network}</b>", network=network_name),
        _("🗓 {when}", when=when_text(_, meeting, tz, this_year=this_year)),
        _("📍 {where}", where=venue_text(_, meeting)),
    ]
    if meeting.meal_note:
        lines.append(_("🥘 {note}", note=meeting.meal_note))
    return Html("\n".join(lines))  # already safe: each line came through `_`


MARK = "•"  # around the answer a member chose, on their own buttons
_ANSWER_ACTION = re.compile(r"^mtg:att:(\d+):(\w+)$")


def answer_buttons(_: Translator, meeting_id: int, chosen: str | None = None) -> list[list[Button]]:
    labels = {"yes": _("✅ Yes"), "no": _("❌ No"), "maybe": _("🤔 Maybe")}
    return [
        [
            Button(
                f"{MARK} {labels[a]} {MARK}" if a == chosen else labels[a],
                f"mtg:att:{meeting_id}:{a}",
            )
            for a in rules.ANSWERS
        ]
    ]


def answers_meeting(buttons: Sequence[Sequence[Button]]) -> int | None:
    """The meeting whose answer buttons these are, if they are (`answer_buttons`' inverse)."""
    for row in buttons:
        for button in row:
            found = _ANSWER_ACTION.match(button.action)
            if found:
                return int(found.group(1))
    return None


def marked_answer(buttons: Sequence[Sequence[Button]]) -> str | None:
    """The answer these answer buttons mark as chosen, if any."""
    for row in buttons:
        for button in row:
            found = _ANSWER_ACTION.match(button.action)
            if found and button.label.startswith(MARK):
                return found.group(2)
    return None


def topic_lines(_: Translator, topics: list[Topic], *, for_hosts: bool = False) -> str:
    lines = []
    for topic in topics:
        if topic.anonymous or not topic.display_name:
            lines.append(_("• {text}", text=topic.text))
        else:
            lines.append(_("• {text} ({name})", text=topic.text, name=topic.display_name))
    return "\n".join(lines)


def headcount_line(_: Translator, people: list[Answer]) -> str:
    """ "7 coming (2 halal, 1 vegetarian), 2 maybe, 3 no answer"."""
    count = rules.headcount((p.answer, p.diet) for p in people)
    return rules.headcount_line(_, count, lambda diet: diet_name(_, diet))


# --- the timeline --------------------------------------------------------------------------------


def poll_invitation_text(
    _: Translator, name: str, meeting: Meeting, tz: Any, *, this_year: int
) -> str:
    return "\n\n".join(
        [
            invitation_text(_, name, meeting, tz, this_year=this_year),
            _("Are you coming? Answer here, or with the buttons in the group."),
        ]
    )


def reminder_text(_: Translator, name: str, meeting: Meeting, tz: Any, *, this_year: int) -> str:
    return "\n\n".join(
        [
            _("⏰ We have not heard from you yet. Are you coming?"),
            invitation_text(_, name, meeting, tz, this_year=this_year),
        ]
    )


# --- the count in the group ---------------------------------------------------------------------


def count_line(_: Translator, people: list[Answer]) -> str:
    """ "✅ Coming: 7 · 🤔 Maybe: 2 · ❌ Not coming: 1 · ❔ Not heard from yet: 5" – the same
    tally as the hosts' headcount, from the same answers."""
    count = rules.headcount((p.answer, p.diet) for p in people)
    return _(
        "✅ Coming: {coming} · 🤔 Maybe: {maybe} · ❌ Not coming: {no} · "
        "❔ Not heard from yet: {silent}",
        coming=count.coming,
        maybe=count.maybe,
        no=count.not_coming,
        silent=count.no_answer,
    )


def count_text(
    _: Translator,
    name: str,
    meeting: Meeting,
    tz: Any,
    people: list[Answer],
    *,
    reminded: bool,
    this_year: int,
) -> str:
    """The group's live count: the meeting, the numbers and how to answer (buttons below)."""
    lines = [invitation_text(_, name, meeting, tz, this_year=this_year), "", count_line(_, people)]
    if reminded and any(p.answer is None for p in people):
        lines += ["", _("⏰ Not everyone has answered yet.")]
    lines += [
        "",
        _(
            "Are you coming? Tap your answer below, or answer in your private chat with me. "
            "The group sees only the numbers; who answered what, only the police chief and the "
            "municipality see."
        ),
    ]
    return "\n".join(lines)


def count_closed_text(
    _: Translator, name: str, meeting: Meeting, tz: Any, people: list[Answer], *, this_year: int
) -> str:
    """The count after the deadline: final, without buttons."""
    return "\n".join(
        [
            invitation_text(_, name, meeting, tz, this_year=this_year),
            "",
            _("Final count: {line}", line=Html(count_line(_, people))),
            "",
            _(
                "Answering is closed: the police chief and the municipality have the numbers. "
                "Plans changed? Let them know."
            ),
        ]
    )


def count_moved_text(_: Translator, name: str, meeting: Meeting, tz: Any, *, this_year: int) -> str:
    """An older count after the meeting moved (`meeting` has the new date)."""
    return _(
        "🗓 The meal meeting of {network} has moved to {when}. Everyone is asked again for the "
        "new date.",
        network=name,
        when=when_text(_, meeting, tz, this_year=this_year),
    )


def count_cancelled_text(
    _: Translator, name: str, meeting: Meeting, tz: Any, *, this_year: int
) -> str:
    return "\n".join(
        [
            invitation_text(_, name, meeting, tz, this_year=this_year),
            "",
            _("✖️ Cancelled: no need to answer any more."),
        ]
    )


def count_moved_on_text(_: Translator, meeting: Meeting, tz: Any, *, this_year: int) -> str:
    """An older count once a newer one is further down the chat (the reminder's)."""
    return _(
        "🍽 Meal meeting {when}: the up-to-date count is in a newer message below.",
        when=when_text(_, meeting, tz, this_year=this_year),
    )


def headcount_text(
    _: Translator,
    name: str,
    meeting: Meeting,
    people: list[Answer],
    tz: Any,
    topics: list[Topic],
    *,
    this_year: int,
) -> str:
    lines = [
        _("📋 <b>Headcount for the meal meeting of {network}</b>", network=name),
        _(
            "🗓 {when} · 📍 {where}",
            when=when_text(_, meeting, tz, this_year=this_year),
            where=venue_text(_, meeting),
        ),
        "",
        headcount_line(_, people),
        "",
        _("✅ Coming: {names}", names=names_of(_, [p for p in people if p.answer == "yes"])),
        _("🤔 Maybe: {names}", names=names_of(_, [p for p in people if p.answer == "maybe"])),
        _("❔ No answer: {names}", names=names_of(_, [p for p in people if p.answer is None])),
    ]
    if meeting.meal_note:
        lines.append(_("🥘 {note}", note=meeting.meal_note))
    if topics:
        lines += ["", _("<b>Topics proposed</b>"), topic_lines(_, topics, for_hosts=True)]
    return "\n".join(lines)


def day_before_text(
    _: Translator,
    name: str,
    meeting: Meeting,
    tz: Any,
    topics: list[Topic],
    earlier: list[AgreedAction],
    *,
    this_year: int,
) -> str:
    lines = [
        _("👋 See you tomorrow!"),
        invitation_text(_, name, meeting, tz, this_year=this_year),
        "",
        _("<b>Agenda</b>"),
        topic_lines(_, topics) if topics else _("• The mood in the neighbourhood"),
    ]
    if earlier:
        lines += ["", _("<b>Open actions from earlier meetings</b>")]
        lines += [action_line(_, a, tz, this_year=this_year) for a in earlier]
    return "\n".join(lines)


def attended_text(_: Translator, name: str, meeting: Meeting, tz: Any, *, this_year: int) -> str:
    return _(
        "🙏 How was the meal meeting of {network} ({when})? Please confirm who came: tap a "
        "name to change it, then 💾 Confirm. Record what was agreed with /action.",
        network=name,
        when=when_text(_, meeting, tz, this_year=this_year),
    )


def attended_buttons(_: Translator, meeting_id: int, people: list[Answer]) -> list[list[Button]]:
    buttons = [
        Button(
            ("✅ " if p.attended else "▫️ ") + person_name(_, p)[:30],
            f"mtg:here:{meeting_id}:{p.user_id}",
        )
        for p in people
    ]
    rows = keyboard_rows(buttons, 2, reserved=2)  # beside Confirm (and Cancel)
    rows.append([Button(_("💾 Confirm"), f"mtg:herok:{meeting_id}")])
    return rows


def came_text(
    _: Translator, name: str, meeting: Meeting, tz: Any, came: list[Answer], *, this_year: int
) -> str:
    return _(
        "🍽 Meal meeting of {network} ({when}): {n} came – {names}.\n"
        "Record what was agreed with /action.",
        network=name,
        when=when_text(_, meeting, tz, this_year=this_year),
        n=len(came),
        names=names_of(_, came),
    )


# --- news: a meeting moved or cancelled ----------------------------------------------------------


def moved_text(_: Translator, name: str, moved: Meeting, tz: Any, *, this_year: int) -> str:
    return _(
        "🗓 The meal meeting has moved. Are you coming on the new date?\n\n{meeting}",
        meeting=Html(invitation_text(_, name, moved, tz, this_year=this_year)),
    )


def moved_group_text(_: Translator, moved: Meeting, tz: Any, *, this_year: int) -> str:
    return _(
        "🗓 The meal meeting has moved to {when}. Please answer again.",
        when=when_text(_, moved, tz, this_year=this_year),
    )


def cancelled_text(_: Translator, name: str, meeting: Meeting, tz: Any, *, this_year: int) -> str:
    return _(
        "✖️ The meal meeting of {network} on {when} is cancelled.",
        network=name,
        when=when_text(_, meeting, tz, this_year=this_year),
    )


# --- agreed actions ------------------------------------------------------------------------------


def action_line(_: Translator, action: AgreedAction, tz: Any, *, this_year: int) -> str:
    return _(
        "• {what} – {owner}, by {due}",
        what=action.what,
        owner=action.owner_name or _("a member"),
        due=due_text(_, action.due, this_year=this_year),
    )


def action_buttons(_: Translator, action_id: int) -> list[list[Button]]:
    return [
        [
            Button(_("🔄 In progress"), f"act:prog:{action_id}"),
            Button(_("✅ Done"), f"act:done:{action_id}"),
        ]
    ]


def overdue_text(_: Translator, action: AgreedAction, tz: Any, *, this_year: int) -> str:
    return _(
        "⏰ An agreed action is overdue:\n{line}\nYou may want to ask how it goes.",
        line=Html(action_line(_, action, tz, this_year=this_year)),
    )


def action_reminder_text(_: Translator, action: AgreedAction, *, this_year: int) -> str:
    return _(
        "⏰ Reminder of what you agreed to do, by {due}:\n<b>{what}</b>\nHow is it going?",
        due=due_text(_, action.due, this_year=this_year),
        what=action.what,
    )


def agreed_text(
    _: Translator, network_name: str, due_on: date, what: str, *, this_year: int
) -> str:
    return _(
        "📌 At the meal meeting of {network} you agreed to do this, by {due}:\n<b>{what}</b>\n"
        "Let the network know how it goes with the buttons.",
        network=network_name,
        due=due_text(_, due_on, this_year=this_year),
        what=what,
    )


def done_text(_: Translator, action: AgreedAction, tz: Any, *, this_year: int) -> str:
    return _("✅ Done: {line}", line=Html(action_line(_, action, tz, this_year=this_year)))
