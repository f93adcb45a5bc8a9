"""The charts: numbers in, a PNG a phone shows well out (decoded, sized, not blank)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.image import imread

from domain import charts
from domain.charts import Series


def decoded(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return imread(io.BytesIO(png), format="png")


def colours(image: np.ndarray) -> int:
    pixels = (image[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    return len(np.unique(pixels, axis=0))


def test_bars_are_a_phone_wide_picture_with_content() -> None:
    png = charts.bars(
        ["3 Mar", "7 Apr", "2 Jun"],
        [Series("said yes", [5, 6, 7]), Series("came", [4, 6, 5])],
        title="Attendance",
        value_label="members",
    )
    image = decoded(png)
    height, width = image.shape[:2]
    assert width == charts.WIDTH_PX
    assert 600 <= height <= 1200
    assert colours(image) > 50  # text, two bar colours, antialiasing: far from blank


def test_a_horizontal_chart_grows_with_its_rows_within_telegrams_limits() -> None:
    few = decoded(charts.bars(["a", "b"], [Series("", [1, 2])], title="t", horizontal=True))
    many_labels = [f"member {i}" for i in range(60)]
    many = decoded(charts.bars(many_labels, [Series("", [1] * 60)], title="t", horizontal=True))
    assert many.shape[0] > few.shape[0]
    height, width = many.shape[:2]
    assert width + height <= 10000 and height / width <= 20


def test_a_stacked_bar_and_a_line_with_gaps_and_named_levels() -> None:
    stacked = charts.bars(
        ["actions"],
        [Series("on time", [3]), Series("late", [1]), Series("open", [2])],
        title="Actions",
        horizontal=True,
        stacked=True,
    )
    assert colours(decoded(stacked)) > 50
    moods = charts.line(
        ["May", "Jun", "Jul", "Aug"],
        [Series("", [2.5, None, 3.0, 3.5])],
        title="Mood",
        low=0.5,
        high=4.5,
        tick_labels={1: "worried", 2: "uneasy", 3: "calm", 4: "good"},
    )
    assert colours(decoded(moods)) > 50


def test_a_histogram_counts_into_buckets_the_last_one_open() -> None:
    assert charts.buckets([0, 0.5, 1, 4, 5, 100, 5000], [0, 1, 5, 60]) == [2, 2, 1, 2]
    png = charts.histogram(
        [0.5, 3, 3, 200], [0, 1, 5, 60], ["<1", "1–5", "5–60", ">60"], title="Seen"
    )
    assert decoded(png).shape[1] == charts.WIDTH_PX


def test_no_empty_charts_and_no_mismatched_series() -> None:
    with pytest.raises(ValueError):
        charts.bars([], [Series("", [])], title="t")
    with pytest.raises(ValueError):
        charts.bars(["a", "b"], [Series("", [1])], title="t")
    with pytest.raises(ValueError):
        charts.histogram([], [0, 1], ["a", "b"], title="t")


def test_long_labels_are_cut_to_fit() -> None:
    assert charts.short("Anna") == "Anna"
    cut = charts.short("Maria Magdalena van der Heijden-Oosterhout")
    assert len(cut) <= charts.LABEL_CHARS and cut.endswith("…")


def pixels_of(image: np.ndarray, colour: str) -> int:
    """How many pixels are exactly `colour` ("#RRGGBB")."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    pixels = (image[..., :3] * 255).round().astype(np.uint8)
    return int(np.all(pixels == rgb, axis=-1).sum())


def test_a_category_without_data_is_not_in_the_legend_and_the_others_keep_their_colour() -> None:
    """'late' has no action at all: no bar and no legend entry, so its colour is nowhere; the
    palette's third colour stays with the third series."""
    png = charts.bars(
        ["Jan", "Feb", "Mar"],
        [
            Series("on time", [2, 1, 3]),
            Series("late", [0, None, 0]),
            Series("open", [1, 0, 2]),
        ],
        title="Actions",
        stacked=True,
    )
    image = decoded(png)
    first, second, third = charts.COLOURS[:3]
    assert pixels_of(image, first) > 1000 and pixels_of(image, third) > 1000
    assert pixels_of(image, second) == 0
    # With 'late' there, its colour shows (a bar and the legend's patch): the check can fail.
    shown = decoded(
        charts.bars(
            ["Jan", "Feb", "Mar"],
            [Series("on time", [2, 1, 3]), Series("late", [0, 1, 0]), Series("open", [1, 0, 2])],
            title="Actions",
            stacked=True,
        )
    )
    assert pixels_of(shown, second) > 1000


def test_a_line_at_zero_is_a_line_and_a_line_without_numbers_is_left_out() -> None:
    png = charts.line(
        ["May", "Jun", "Jul"],
        [
            Series("zero", [0, 0, 0], "#009E73"),
            Series("nothing", [None, None, None], "#D55E00"),
            Series("some", [1, 2, 3], "#0072B2"),
        ],
        title="t",
    )
    image = decoded(png)
    assert pixels_of(image, "#009E73") > 500 and pixels_of(image, "#0072B2") > 500
    assert pixels_of(image, "#D55E00") == 0
