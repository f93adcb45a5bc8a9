"""The flood limiter's schedules, on a clock we move by hand."""

from __future__ import annotations

import itertools

from bot.ratelimit import Schedule


def test_a_private_chat_allows_a_short_burst_then_one_a_second() -> None:
    schedule = Schedule(rate=1.0, burst=3)
    waits = [schedule.reserve(0.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_an_idle_schedule_recovers_its_burst() -> None:
    schedule = Schedule(rate=1.0, burst=3)
    for _ in range(3):
        schedule.reserve(0.0)
    assert schedule.reserve(10.0) == 0.0
    assert schedule.reserve(10.0) == 0.0


def test_thirty_a_second_overall() -> None:
    schedule = Schedule(rate=30.0, burst=30)
    waits = [schedule.reserve(0.0) for _ in range(90)]
    assert max(waits[:30]) == 0.0
    # The 90th message may go at 2 s: 30 at once, then 30 a second.
    assert abs(waits[-1] - 2.0) < 1e-9
    assert all(b >= a for a, b in itertools.pairwise(waits))


def test_a_hold_waits_the_full_time_without_a_burst_after() -> None:
    schedule = Schedule(rate=1.0, burst=3)
    schedule.hold(0.0, 5.0)
    assert schedule.reserve(0.0) == 5.0
    assert schedule.reserve(0.0) == 6.0
