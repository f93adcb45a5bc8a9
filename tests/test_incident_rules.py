"""The rules of incident alerts, without Telegram: who receives, texts, counts, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import translator
from domain import incidents as rules
from domain.incidents import Progress, Step, TextProblem

_ = translator("en")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_each_person_receives_once_and_never_the_sender() -> None:
    members = {1: [10, 11, 12], 2: [12, 13, 10]}
    assert rules.recipients(members, [1, 2], sender_id=11) == {10: 1, 12: 1, 13: 2}
    assert rules.recipients(members, [2, 1], sender_id=11) == {12: 2, 13: 2, 10: 2}
    assert rules.recipients(members, [3], sender_id=11) == {}


def test_the_text_is_trimmed_and_must_be_between_1_and_3500_characters() -> None:
    assert rules.check_text("  Stay calm  ") == "Stay calm"
    assert rules.check_text("") is TextProblem.empty
    assert rules.check_text(" \n ") is TextProblem.empty
    assert rules.check_text(None) is TextProblem.empty
    assert rules.check_text("x" * 3500) == "x" * 3500
    assert rules.check_text("x" * 3501) is TextProblem.too_long


def test_the_header_names_severity_and_sharing() -> None:
    assert rules.header(_, "critical", "network_only") == "🔴 <b>CRITICAL</b> · network only"
    assert (
        rules.header(_, "urgent", "shareable")
        == "🟠 <b>URGENT</b> · may be shared with your following"
    )
    assert rules.header(_, "info", "network_only").startswith("🔵 <b>INFO</b>")


def test_the_mood_tally_counts_each_mood_in_a_fixed_order() -> None:
    tally = rules.mood_tally(["tense", None, "calm", "tense", "nonsense"])
    assert tally == {"calm": 1, "worried": 0, "tense": 2, "rumours": 0}
    assert rules.tally_line(_, tally) == "🙂 calm 1 · 😠 tense 2"
    assert rules.tally_line(_, rules.mood_tally([])) == ""


def test_the_progress_line_and_the_final_summary() -> None:
    going = Progress(total=300, sent=120, pending=178, unreachable=2, acknowledged=45, replies=3)
    assert (
        rules.progress_line(_, going)
        == "sent 120/300 · acknowledged 45 · replies 3 · unreachable 2"
    )
    assert not going.done
    assert rules.status_text(_, 7, going).startswith("⏳ Alert #7 is going out: sent 120/300")
    done = Progress(total=3, sent=3, acknowledged=1)
    assert done.done
    assert rules.status_text(_, 7, done).startswith(
        "✅ Alert #7 is out: sent 3/3 · acknowledged 1 · replies 0"
    )


def test_escalation_steps_fall_due_once_and_only_while_open() -> None:
    timings = (15, 30)
    at = {"created_at": T0, "timings": timings, "open_": True}
    assert rules.due_steps(**at, reminded=False, escalated=False, now=T0) == []
    later = T0 + timedelta(minutes=15)
    assert rules.due_steps(**at, reminded=False, escalated=False, now=later) == [Step.remind]
    assert rules.due_steps(**at, reminded=True, escalated=False, now=later) == []
    much_later = T0 + timedelta(hours=2)
    assert rules.due_steps(**at, reminded=False, escalated=False, now=much_later) == [
        Step.remind,
        Step.escalate,
    ]
    assert rules.due_steps(**at, reminded=True, escalated=True, now=much_later) == []
    closed = {**at, "open_": False}
    assert rules.due_steps(**closed, reminded=False, escalated=False, now=much_later) == []
    info = {**at, "timings": None}
    assert rules.due_steps(**info, reminded=False, escalated=False, now=much_later) == []


def test_what_is_still_to_schedule() -> None:
    upcoming = rules.next_step_at(
        open_=True, created_at=T0, timings=(60, 180), reminded=True, escalated=False
    )
    assert upcoming == {Step.escalate: T0 + timedelta(minutes=180)}
    assert (
        rules.next_step_at(
            open_=False, created_at=T0, timings=(60, 180), reminded=False, escalated=False
        )
        == {}
    )
