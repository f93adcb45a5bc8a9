"""Texts that fit a Telegram message: splitting, pages of lists, short labels."""

from __future__ import annotations

import random

import pytest

from bot.fit import (
    LIMIT,
    MAX_BUTTONS,
    MAX_ROW_BUTTONS,
    cut_label,
    keyboard_rows,
    page_bounds,
    split,
    visible_length,
)
from bot.outbox import fit, is_continuation
from sandbox.html import parse_html
from storage.deliveries import NewDelivery


def shown(html: str) -> str:
    """What Telegram would show (and count): the plain text after parsing, which also
    proves the part is valid HTML with balanced tags."""
    plain, _entities = parse_html(html)
    return plain


def assert_fits(parts: list[str], limit: int = LIMIT) -> None:
    for part in parts:
        text = shown(part)
        assert len(text) <= limit
        assert text.strip(), "an empty part"


# --- measuring -----------------------------------------------------------------------------


def test_tags_count_nothing_and_an_entity_counts_one() -> None:
    assert visible_length("<b>Eve &amp; Co</b>") == len("Eve & Co")
    assert visible_length('<a href="https://example.org/?a=1&amp;b=2">link</a>') == 4
    assert visible_length("&#128512; &lt;3") == 4


def test_an_emoji_counts_as_telegram_counts_it() -> None:
    # The sandbox counts Unicode characters, as Telegram's length check does.
    assert visible_length("👍🏽") == len(shown("👍🏽")) == 2


# --- splitting -----------------------------------------------------------------------------


def test_a_text_that_fits_comes_back_unchanged() -> None:
    text = "<b>Headcount</b>\n" + "x" * (LIMIT - len("Headcount") - 1)
    assert visible_length(text) == LIMIT
    assert split(text) == [text]


def test_one_character_too_many_makes_two_parts_at_a_line_break() -> None:
    first, second = "a" * 3000, "b" * 1096
    parts = split(f"{first}\n{second}")
    assert parts == [first, second]


def test_entities_count_as_one_character_when_splitting() -> None:
    line = "&amp;" * 100  # 500 characters of HTML, 100 on screen
    text = "\n".join([line] * 40)  # 4039 on screen
    assert split(text) == [text]


def test_parts_end_at_line_boundaries_and_lose_no_line() -> None:
    lines = [f"• Member {n:03} – key figure, approved" for n in range(400)]
    parts = split("\n".join(lines))
    assert len(parts) > 1
    assert_fits(parts)
    assert [line for part in parts for line in part.split("\n")] == lines


def test_tags_spanning_a_cut_are_closed_and_reopened() -> None:
    text = '<pre><code class="language-json">' + "\n".join(["x" * 70] * 120) + "</code></pre>"
    parts = split(text)
    assert len(parts) == 3
    assert_fits(parts)
    for part in parts:
        assert part.startswith('<pre><code class="language-json">')
        assert part.endswith("</code></pre>")


def test_a_line_longer_than_a_message_is_cut_at_a_space() -> None:
    words = " ".join(f"word{n}" for n in range(2000))
    parts = split(f"<b>{words}</b>")
    assert len(parts) > 1
    assert_fits(parts)
    assert " ".join(shown(p) for p in parts) == words


def test_a_line_without_spaces_is_cut_between_characters_never_in_an_entity() -> None:
    text = "&amp;" * 5000
    parts = split(text)
    assert [len(shown(p)) for p in parts] == [LIMIT, 5000 - LIMIT]
    assert all(p == "&amp;" * len(shown(p)) for p in parts)


def test_an_emoji_with_a_skin_tone_stays_whole() -> None:
    text = "x" * (LIMIT - 1) + "👍🏽" + "y" * 10
    parts = split(text)
    assert_fits(parts)
    assert shown(parts[1]).startswith("👍🏽")


def test_blank_lines_do_not_start_or_end_a_part() -> None:
    text = "a" * 4000 + "\n\n\n" + "b" * 200
    assert split(text) == ["a" * 4000, "b" * 200]


def test_whitespace_only_parts_are_left_out() -> None:
    text = "a" * 4096 + "\n" + " " * 10 + "\n" + "<b></b>"
    assert split(text) == ["a" * 4096]


def test_any_text_splits_into_valid_parts_that_keep_every_character() -> None:
    pieces = ["Eve &amp; Co", "<b>vet</b>", "😀", "naïve", "x" * 90, "<i>a &lt; b</i>", "e\u0301"]
    chance = random.Random(15)
    for _round in range(40):
        lines = [
            " ".join(chance.choice(pieces) for _n in range(chance.randint(0, 40)))
            for _line in range(chance.randint(1, 120))
        ]
        text = "\n".join(lines)
        if chance.random() < 0.5:
            text = f"<blockquote>{text}</blockquote>"
        limit = chance.choice([40, 300, LIMIT])
        parts = split(text, limit)
        assert_fits(parts, limit)
        kept = "".join("".join(shown(p) for p in parts).split())
        assert kept == "".join(shown(text).split())


# --- pages and labels ----------------------------------------------------------------------


def test_pages_hold_at_most_so_many_items_and_characters() -> None:
    assert page_bounds([10] * 25, per_page=10) == [range(0, 10), range(10, 20), range(20, 25)]
    assert page_bounds([2000, 2000, 2000], per_page=10) == [range(0, 2), range(2, 3)]
    assert page_bounds([5000, 10], per_page=10) == [range(0, 1), range(1, 2)]
    assert page_bounds([], per_page=10) == [range(0, 0)]


def test_a_long_name_makes_a_short_label() -> None:
    assert cut_label("Noord") == "Noord"
    long = "Wijkteam " + "Amsterdam-Noord " * 10
    assert len(cut_label(long)) == 40
    assert cut_label(long).endswith("…")


@pytest.mark.parametrize("width", [1, 2, 40])
def test_labels_respect_any_width(width: int) -> None:
    assert len(cut_label("x" * 100, width)) == width


# --- deliveries ------------------------------------------------------------------------------


def delivery(text: str, **extra: object) -> NewDelivery:
    params = {"text": text, "parse_mode": "HTML", "reply_markup": {"inline_keyboard": []}}
    return NewDelivery(chat_id=7, priority=7, kind="meeting_headcount", params=params, **extra)  # type: ignore[arg-type]


def test_a_long_delivery_becomes_parts_with_buttons_last_and_pin_first() -> None:
    long = delivery("\n".join(["line " * 20] * 100), pin=True, reply_to=3)
    parts = fit([delivery("short"), long])
    assert parts[0] == delivery("short")
    rest = parts[1:]
    assert len(rest) == 3
    assert [p.kind for p in rest] == ["meeting_headcount"] + ["meeting_headcount:more"] * 2
    assert [is_continuation(p.kind) for p in rest] == [False, True, True]
    assert [p.pin for p in rest] == [True, False, False]
    assert [p.reply_to for p in rest] == [3, 3, 3]
    assert ["reply_markup" in p.params for p in rest] == [False, False, True]
    assert_fits([p.params["text"] for p in rest])


def test_other_methods_are_left_alone() -> None:
    poll = NewDelivery(7, 6, "meeting_poll:1:0", {"question": "?"}, method="sendPoll")
    assert fit([poll]) == [poll]


def test_buttons_built_from_data_stay_within_telegrams_keyboard_shape() -> None:
    """A network with 300 members: the owner and attendance keyboards keep what Telegram takes
    (100 buttons in all, 12 to a row), leaving room for Confirm and Cancel."""
    people = [f"Lid {i}" for i in range(300)]
    rows = keyboard_rows(people, 2, reserved=2)
    assert sum(len(row) for row in rows) == MAX_BUTTONS - 2
    assert rows[0] == ["Lid 0", "Lid 1"] and all(len(row) == 2 for row in rows)
    wide = keyboard_rows(people, 50)
    assert max(len(row) for row in wide) == MAX_ROW_BUTTONS
    assert keyboard_rows(people[:3]) == [["Lid 0"], ["Lid 1"], ["Lid 2"]]
