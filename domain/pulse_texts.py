"""The words and buttons of the mood pulse ("wat leeft er in de wijk?"): the question, the card
a member sees after answering, the reminder, the tally for the hosts and /pulse's overview.

Callback data, each at most 64 bytes: `pulse:m:<pulse>:<mood>` (a mood), `pulse:w:<pulse>` (a
few words), `pulse:s:<pulse>:<0|1>` (with my name, or not), and for the hosts
`pulse:n:<network>:<page>` (the overview), `pulse:ask:<network>` (ask now?),
`pulse:go:<network>` (yes, ask), `pulse:mon:<network>:<0|1>` (monthly) and
`pulse:aft:<network>:<0|1>` (after an alert).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from bot.fit import cut_label
from bot.i18n import Html, Translator, escape
from domain.incidents import MOOD_ICON, MOODS, mood_name
from domain.labels import day_of
from domain.ports import Button, page_turn
from storage.pulse import Answer, Past, Pulse, Schedule

WORDS_MAX = 280  # characters of "a few words": a text message's length, no essay
FEW = 3  # fewer answers than this: the numbers are shown, flagged as few
PER_PAGE = 8  # past pulses on one page of /pulse's overview


def mood_label(_: Translator, mood: str) -> str:
    return f"{MOOD_ICON[mood]} {mood_name(_, mood)}"


def tally_line(_: Translator, moods: Mapping[str, int]) -> str:
    """ "🙂 rustig 2 · 😟 bezorgd 1": the moods someone chose, in the fixed order."""
    shown = [
        Html("{icon} {name} {n}").format(icon=MOOD_ICON[m], name=mood_name(_, m), n=moods[m])
        for m in MOODS
        if moods.get(m)
    ]
    return Html(" · ").join(shown) if shown else _("no answers")


def mood_buttons(_: Translator, pulse_id: int, chosen: str | None = None) -> list[list[Button]]:
    """The four moods, two to a row; the one chosen marked."""
    buttons = [
        Button(("✓ " if mood == chosen else "") + mood_label(_, mood), f"pulse:m:{pulse_id}:{mood}")
        for mood in MOODS
    ]
    return [buttons[0:2], buttons[2:4]]


# --- to the members -------------------------------------------------------------------------


def question(
    _: Translator, network: str, pulse: Pulse, tz: ZoneInfo, *, this_year: int
) -> tuple[str, list[list[Button]]]:
    """The question a member gets privately, with the four moods."""
    lines: list[str] = [_("<b>What is going on in the neighbourhood?</b>")]
    if pulse.kind == "after_incident":
        lines.append(
            _(
                "A few days after the last alert, the police chief and the municipality of "
                "{network} would like to know how things are now.",
                network=network,
            )
        )
    else:
        lines.append(
            _(
                "The police chief and the municipality of {network} would like to know how "
                "things are in the neighbourhood.",
                network=network,
            )
        )
    lines.append(
        _(
            "Tap what fits best. Your answer is anonymous unless you add your name yourself. "
            "Open until {day}.",
            day=day_of(_, pulse.closes_at, tz, this_year=this_year),
        )
    )
    lines.append(_("In an emergency, call 112."))
    return "\n\n".join(lines), mood_buttons(_, pulse.id)


def reminder(
    _: Translator, network: str, pulse: Pulse, tz: ZoneInfo, *, this_year: int
) -> tuple[str, list[list[Button]]]:
    """The one gentle reminder, a day before the pulse closes."""
    text = _(
        "Still a moment? The mood pulse of {network} closes on {day}: what is going on in the "
        "neighbourhood? One tap is enough, and it stays anonymous.",
        network=network,
        day=day_of(_, pulse.closes_at, tz, this_year=this_year),
    )
    return text, mood_buttons(_, pulse.id)


def card(
    _: Translator, pulse: Pulse, answer: Answer, tz: ZoneInfo, *, this_year: int
) -> tuple[str, list[list[Button]]]:
    """What a member sees after answering: thanks, their answer, and what they can add."""
    lines: list[str] = [_("Thank you! Your answer: {mood}.", mood=mood_label(_, answer.mood))]
    if answer.words:
        lines.append(_("Your words: “{words}”", words=answer.words))
    lines.append(
        _("Your name is with it: the police chief and the municipality see who said this.")
        if answer.signed
        else _("Anonymous: nobody sees who gave this answer.")
    )
    lines.append(
        _(
            "You can change it until {day}.",
            day=day_of(_, pulse.closes_at, tz, this_year=this_year),
        )
    )
    rows = mood_buttons(_, pulse.id, answer.mood)
    words = _("✏️ Change my words") if answer.words else _("✏️ A few words with it")
    rows.append([Button(words, f"pulse:w:{pulse.id}")])
    rows.append(
        [Button(_("Anonymous after all"), f"pulse:s:{pulse.id}:0")]
        if answer.signed
        else [Button(_("With my name"), f"pulse:s:{pulse.id}:1")]
    )
    return "\n".join(lines), rows


def closed(_: Translator) -> str:
    return _("This mood pulse is closed. Thank you for thinking of it!")


def ask_words(_: Translator) -> str:
    return _(
        "Type a few words (at most {max} characters): what do you see or hear? Please name no "
        "one, and describe what happens, not what people look like.",
        max=WORDS_MAX,
    )


def words_too_long(_: Translator, length: int) -> str:
    return _(
        "That is {length} characters; a few words means at most {max}. Could you make it shorter?",
        length=length,
        max=WORDS_MAX,
    )


# --- to the hosts ---------------------------------------------------------------------------


def few_note(_: Translator) -> str:
    return _("Few answers: a few voices, not the whole neighbourhood.")


def tally(
    _: Translator,
    network: str,
    pulse: Pulse,
    answers: Sequence[Answer],
    names: Mapping[int, str],
    tz: ZoneInfo,
    *,
    this_year: int,
) -> str:
    """The tally for the hosts at closing: numbers, then the words; a name only where the
    member signed (`names`: signed answerers' names in this network)."""
    moods = {mood: sum(1 for a in answers if a.mood == mood) for mood in MOODS}
    lines: list[str] = [
        _(
            "<b>Mood pulse of {network}</b> · {start} – {end}",
            network=network,
            start=day_of(_, pulse.opened_at, tz, this_year=this_year),
            end=day_of(_, pulse.closes_at, tz, this_year=this_year),
        ),
        _.ngettext(
            "{answered} of {n} member answered.",
            "{answered} of {n} members answered.",
            pulse.asked,
            answered=len(answers),
        ),
        tally_line(_, moods),
    ]
    if len(answers) < FEW:
        lines.append(_("⚠️ {note}", note=few_note(_)))
    said = [a for a in answers if a.words]
    if said:
        lines += ["", _("<b>In their words</b>")]
        for answer in said:
            line = Html("{icon} “{words}”").format(icon=MOOD_ICON[answer.mood], words=answer.words)
            name = names.get(answer.user_id) if answer.signed and answer.user_id else None
            if name:
                line = Html("{line} — {name}").format(line=line, name=cut_label(name))
            lines.append(line)
    lines += ["", _("/pulse shows the earlier ones. Nobody sees who answered what.")]
    return "\n".join(lines)


def overview(
    _: Translator,
    network: str,
    now_open: tuple[Pulse, int] | None,
    schedule: Schedule,
    past: Sequence[Past],
    tz: ZoneInfo,
    *,
    this_year: int,
    first: int,
    total: int,
) -> str:
    """/pulse for one network: what is open, the schedule, and the last pulses as a table."""
    lines: list[str] = [_("<b>Mood pulse · {network}</b>", network=network)]
    if now_open is not None:
        pulse, answered = now_open
        until = day_of(_, pulse.closes_at, tz, this_year=this_year)
        lines.append(
            _.ngettext(
                "Open now, until {day}: {answered} of {n} member answered so far.",
                "Open now, until {day}: {answered} of {n} members answered so far.",
                pulse.asked,
                answered=answered,
                day=until,
            )
        )
    else:
        lines.append(_("No mood pulse is open now."))
    if schedule.monthly and schedule.next_monthly_at:
        lines.append(
            _(
                "Every month: on (next on {day}).",
                day=day_of(_, schedule.next_monthly_at, tz, this_year=this_year),
            )
        )
    else:
        lines.append(_("Every month: off."))
    if not schedule.after_incident:
        lines.append(_("A few days after an alert closes: off."))
    elif schedule.after_incident_at:
        lines.append(
            _(
                "A few days after an alert closes: on (next on {day}).",
                day=day_of(_, schedule.after_incident_at, tz, this_year=this_year),
            )
        )
    else:
        lines.append(_("A few days after an alert closes: on."))
    if not past:
        lines += ["", _("No earlier mood pulses yet.")]
        return "\n".join(lines)
    heading = _("<b>Earlier</b>")
    if total > len(past):
        heading = Html("{heading} · {range}").format(
            heading=heading,
            range=_(
                "{first}–{last} of {total}", first=first + 1, last=first + len(past), total=total
            ),
        )
    lines += ["", heading]
    flagged = False
    for item in past:
        row = _(
            "{day} · {n} of {asked} · {moods}",
            day=day_of(_, item.pulse.opened_at, tz, this_year=this_year),
            n=item.answers,
            asked=item.pulse.asked,
            moods=tally_line(_, item.moods),
        )
        if item.answers < FEW:
            row = Html("{row} ⚠️").format(row=row)
            flagged = True
        lines.append(row)
    if flagged:
        lines.append(_("⚠️ {note}", note=few_note(_)))
    lines.append(_("Nobody sees who answered what, unless they added their name."))
    return "\n".join(lines)


def overview_buttons(
    _: Translator, network_id: int, *, can_ask: bool, schedule: Schedule, page: int, pages: int
) -> list[list[Button]]:
    rows: list[list[Button]] = []
    turn = page_turn(f"pulse:n:{network_id}", page, pages)
    if turn:
        rows.append(turn)
    if can_ask:
        rows.append([Button(_("Ask now"), f"pulse:ask:{network_id}")])
    rows.append(
        [
            Button(_("Monthly: switch off"), f"pulse:mon:{network_id}:0")
            if schedule.monthly
            else Button(_("Monthly: switch on"), f"pulse:mon:{network_id}:1")
        ]
    )
    rows.append(
        [
            Button(_("After an alert: switch off"), f"pulse:aft:{network_id}:0")
            if schedule.after_incident
            else Button(_("After an alert: switch on"), f"pulse:aft:{network_id}:1")
        ]
    )
    return rows


def confirm_ask(_: Translator, network: str, members: int, open_days: int) -> str:
    return _.ngettext(
        "Ask the {n} member of {network} “what is going on in the neighbourhood?” now? "
        "They answer privately; the pulse stays open {days}, then you get the tally.",
        "Ask the {n} members of {network} “what is going on in the neighbourhood?” now? "
        "They answer privately; the pulse stays open {days}, then you get the tally.",
        members,
        network=network,
        days=_.ngettext("{n} day", "{n} days", open_days, n=open_days),
    )


def confirm_buttons(_: Translator, network_id: int) -> list[list[Button]]:
    return [
        [Button(_("Yes, ask"), f"pulse:go:{network_id}")],
        [Button(_("Back"), f"pulse:n:{network_id}:0")],
    ]


def window_text(_: Translator, days: int) -> str:
    """How long an answer to a mood pulse is kept, for /privacy."""
    return _(
        "Your answer to a mood pulse: your words, and your name if you added it, {days}; your "
        "mood stays only as a number, without your name.",
        days=_.ngettext("{n} day", "{n} days", days),
    )


def network_name(name: str) -> Html:
    return escape(cut_label(name))
