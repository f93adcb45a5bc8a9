"""The numbers behind /stats: pure functions over what the database holds, and captions that
fit Telegram whatever the data."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.fit import visible_length
from bot.i18n import translator
from domain import health, health_texts
from domain.health import Actions, AlertSeen, Health
from storage.health import ActionState, HeldMeeting, MemberAttendance, PulseMoods, SeenBy

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)


def test_the_alerts_count_from_the_later_of_a_year_ago_and_the_retention_cut() -> None:
    since, alerts_since, cut = health.windows(NOW, 365)
    assert since == alerts_since == NOW - timedelta(days=365) and not cut
    since, alerts_since, cut = health.windows(NOW, 90)
    assert alerts_since == NOW - timedelta(days=90) and cut
    since, alerts_since, cut = health.windows(NOW, 730)  # kept longer: the year still rules
    assert alerts_since == since and not cut


def test_time_until_seen_runs_from_the_alert_and_leaves_out_who_could_not_be_reached() -> None:
    sent = NOW.isoformat()

    def seen(minutes: float | None, user_unreachable: bool = False) -> SeenBy:
        at = None if minutes is None else (NOW + timedelta(minutes=minutes)).isoformat()
        return SeenBy(7, sent, at, user_unreachable)

    rows = [seen(3), seen(16), seen(61), seen(None), seen(None, True), seen(0.2)]
    [alert] = health.alerts_of(rows, [(7, sent), (8, sent)])  # 8 reached nobody privately
    assert alert.reached == 5 and alert.unreachable == 1
    assert alert.seen == 4 and alert.not_seen == 1
    assert (alert.fast, alert.within_hour, alert.later) == (2, 1, 1)
    assert alert.median == (3 + 16) / 2


def test_actions_done_on_time_late_open_and_past_their_date() -> None:
    def agreed(on: str, due: str, done: str | None) -> ActionState:
        done_at = None if done is None else datetime.fromisoformat(done).isoformat()
        return ActionState(
            datetime.fromisoformat(on).isoformat(), due, "done" if done else "open", done_at
        )

    rows = [
        agreed("2026-03-12T19:00+00:00", "2026-04-01", "2026-04-01T21:30+00:00"),  # 23:30 local
        agreed("2026-03-12T19:00+00:00", "2026-04-01", "2026-04-01T22:30+00:00"),  # 00:30 next
        agreed("2026-06-10T19:00+00:00", "2026-09-14", None),  # yesterday: past its date
        agreed("2026-06-30T22:30+00:00", "2026-09-15", None),  # today: still in time
    ]
    total, months = health.actions_of(rows, date(2026, 9, 15), AMSTERDAM)
    assert total == Actions(agreed=4, on_time=1, late=1, open=2, overdue=1)
    assert total.done == 2
    # The last one was agreed at 00:30 on 1 July, Amsterdam time: July, not June.
    assert [(m.month, m.on_time, m.late, m.open, m.overdue) for m in months] == [
        (date(2026, 3, 1), 1, 1, 0, 0),
        (date(2026, 6, 1), 0, 0, 0, 1),
        (date(2026, 7, 1), 0, 0, 1, 0),
    ]


def largest(members: int, meetings: int) -> Health:
    """A network at its largest: long names, a meeting every week of the year."""
    name = "Member van der Berg-Ouaali " * 3 + "x" * 64
    return Health(
        network_id=1,
        now=NOW,
        since=NOW - timedelta(days=365),
        alerts_since=NOW - timedelta(days=365),
        alerts_cut=False,
        incident_days=365,
        meetings=[
            HeldMeeting(i, (NOW - timedelta(days=7 * i + 1)).isoformat(), 40, 38)
            for i in range(meetings)
        ],
        unconfirmed=3,
        members=[
            MemberAttendance(i, f"{name} {i}", i % meetings, meetings) for i in range(members)
        ],
        alerts=[],
        pulses=[PulseMoods(1, NOW.isoformat(), 40, {"calm": 30, "worried": 5})],
        actions=Actions(agreed=0, on_time=0, late=0, open=0, overdue=0),
        action_months=[],
    )


def test_every_caption_fits_and_says_how_many_are_only_in_the_picture() -> None:
    for language in ("nl", "en"):
        _ = translator(language)
        shown = health_texts.report(_, "N" * 64, largest(members=60, meetings=52), AMSTERDAM)
        assert [p.name for p in shown.pictures] == ["meetings", "members", "pulse"]
        for picture in shown.pictures:
            assert visible_length(picture.caption) <= health_texts.CAPTION
        meetings, members, _pulse = (p.caption for p in shown.pictures)
        assert "…" in meetings and "…" in members  # the rest is in the picture
        assert shown.without is not None and len(shown.without.split("\n")) == 3


def test_a_large_network_draws_a_tall_readable_member_chart() -> None:
    _ = translator("nl")
    shown = health_texts.report(_, "Noord", largest(members=60, meetings=52), AMSTERDAM)
    members = next(p for p in shown.pictures if p.name == "members")
    png = members.draw()
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width == 1080 and 2000 < height and width + height <= 10000


def test_durations_are_said_the_way_a_person_would() -> None:
    _ = translator("en")
    assert health_texts.duration_text(_, 0.4) == "under a minute"
    assert health_texts.duration_text(_, 1) == "1 minute"
    assert health_texts.duration_text(_, 75) == "75 minutes"
    assert health_texts.duration_text(_, 180) == "3 hours"
    assert health_texts.duration_text(_, 3 * 24 * 60) == "3 days"


def test_a_member_counts_from_when_they_joined() -> None:
    _ = translator("en")
    network = largest(members=0, meetings=2)
    joined = Health(
        **{
            **network.__dict__,
            "members": [MemberAttendance(1, "Anna", 1, 2), MemberAttendance(2, "Noor", 0, 0)],
        }
    )
    shown = health_texts.report(_, "Noord", joined, AMSTERDAM)
    members = next(p for p in shown.pictures if p.name == "members")
    assert "• Anna: 1 of 2\n• Noor: no meeting yet since joining" in members.caption
    assert members.draw().startswith(b"\x89PNG")


def test_a_year_of_alerts_fits_its_caption_and_its_picture() -> None:
    _ = translator("nl")
    busy = Health(
        **{
            **largest(members=5, meetings=3).__dict__,
            "alerts": [
                AlertSeen(i, NOW - timedelta(days=i + 1), 40, 1, (1.0, 20.0, 200.0))
                for i in range(200)
            ],
        }
    )
    shown = health_texts.report(_, "N" * 64, busy, AMSTERDAM)
    alerts = next(p for p in shown.pictures if p.name == "alerts")
    assert visible_length(alerts.caption) <= health_texts.CAPTION
    assert "…" in alerts.caption
    png = alerts.draw()
    assert int.from_bytes(png[16:20], "big") == 1080


def test_numbers_that_are_all_zero_are_a_line_not_an_empty_chart() -> None:
    _ = translator("en")
    quiet = Health(
        **{
            **largest(members=3, meetings=1).__dict__,
            "meetings": [HeldMeeting(1, NOW.isoformat(), 0, 0)],
            "unconfirmed": 0,
            "alerts": [AlertSeen(1, NOW, 0, 4, ())],  # every member it went to blocked the bot
            "pulses": [PulseMoods(1, NOW.isoformat(), 5, {})],
        }
    )
    shown = health_texts.report(_, "Noord", quiet, AMSTERDAM)
    assert shown.pictures == []
    assert shown.without is not None
    assert shown.without.split("\n") == [
        "📊 <b>Noord</b>",
        "• Meal meetings: 1 held since 15 September 2025, nobody came.",
        "• Alerts: 1 since 15 September 2025, but the bot could reach no member.",
        "• Mood pulse: 1 since 15 September 2025, nobody answered.",
        "• Agreed actions: none agreed since 15 September 2025.",
    ]


def test_two_alerts_on_one_day_are_told_apart_by_their_time() -> None:
    """Labels and caption say the day alone when it is the only alert that day, and the time
    too when another alert fell on the same day (local time: 23:30 UTC is the next day)."""
    _ = translator("nl")
    evening = datetime(2026, 9, 6, 19, 40, tzinfo=UTC)  # 21:40 in Amsterdam
    two = Health(
        **{
            **largest(members=3, meetings=1).__dict__,
            "alerts": [
                AlertSeen(1, datetime(2026, 9, 2, 8, 0, tzinfo=UTC), 3, 0, (2.0,)),
                AlertSeen(2, evening - timedelta(hours=2), 3, 0, (5.0, 30.0)),
                AlertSeen(3, evening, 3, 0, (1.0,)),
                AlertSeen(4, datetime(2026, 9, 6, 23, 30, tzinfo=UTC), 3, 0, ()),
            ],
        }
    )
    shown = health_texts.report(_, "Noord", two, AMSTERDAM)
    alerts = next(p for p in shown.pictures if p.name == "alerts")
    assert isinstance(alerts.draw, functools.partial)
    assert alerts.draw.args[0] == ["2 sep", "6 sep 19:40", "6 sep 21:40", "7 sep"]
    items = [line for line in alerts.caption.split("\n") if line.startswith("•")]
    assert len(items) == 4  # the latest first
    assert items[0].startswith("• 7 september:")
    assert items[1].startswith("• 6 september, 21:40:")
    assert items[2].startswith("• 6 september, 19:40:")
    assert items[3].startswith("• 2 september:")
    assert alerts.draw().startswith(b"\x89PNG")


def test_with_four_alerts_seen_a_line_shows_whether_the_network_got_faster() -> None:
    """Per alert, within how long half saw it: the caption compares the first half of the
    alerts with the last (medians of their medians), the picture draws each alert (a very slow
    one at the top, one nobody saw a gap). Three alerts seen make no trend: no such picture."""
    _ = translator("en")
    minutes = [(300.0, 400.0), (70.0, 80.0), (50.0,), (), (8.0, 12.0), (4.0,), (2.0,)]
    alerts = [
        AlertSeen(i, NOW - timedelta(days=200 - 20 * i), 3, 0, seen)
        for i, seen in enumerate(minutes)
    ]
    network = largest(members=3, meetings=1)
    shown = health_texts.report(
        _, "Noord", Health(**{**network.__dict__, "alerts": alerts}), AMSTERDAM
    )
    names = [p.name for p in shown.pictures]
    assert names.index("trend") == names.index("alerts") + 1
    trend = shown.pictures[names.index("trend")]
    # Seen: 350, 75, 50 | 10, 4, 2 → the first three 75 minutes (median), the last three 4.
    assert (
        "Half of those it reached saw an alert within 75 minutes in the first 3 alerts, "
        "within 4 minutes in the last 3." in trend.caption
    )
    assert isinstance(trend.draw, functools.partial)
    assert trend.draw.args[1][0].values == [180, 75, 50, None, 10, 4, 2]
    png = trend.draw()
    assert int.from_bytes(png[16:20], "big") == 1080

    three = Health(**{**network.__dict__, "alerts": alerts[:4]})  # one of the four unseen
    assert "trend" not in [
        p.name for p in health_texts.report(_, "Noord", three, AMSTERDAM).pictures
    ]
