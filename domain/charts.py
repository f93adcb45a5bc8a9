"""Charts for a network's numbers: plain numbers and translated labels in, PNG bytes out.

Why matplotlib, and why this way:

- **matplotlib with its Agg backend** draws to an in-memory raster: no display, no browser, no
  system libraries beyond what its wheel brings. It is the one well-kept Python library that
  draws readable bar and line charts; lighter ones either need a browser to make a PNG
  (plotly, bokeh) or draw SVG only (pygal, which Telegram does not show as a photo).
- **The object API, never pyplot.** `Figure()` with its own Agg canvas keeps no global state:
  no "current figure" shared between calls, nothing leaks from one chart to the next. The
  rendering is CPU work of a tenth of a second or so, so callers run it in a worker thread
  (`asyncio.to_thread`) and the bot's event loop never stalls on it. matplotlib promises no
  thread safety for what figures share underneath (the font cache), so one chart is drawn at a
  time (`_DRAWING`): two hosts asking /stats at once wait a fraction of a second, never race.
- **Made for a phone.** 1080 pixels wide (a phone's screen, what Telegram keeps of a photo),
  large fonts, one colour per series from a palette that colour-blind readers can tell apart,
  no frame, a light grid only along the value axis, values written on the bars when they fit.

Every label arrives translated (the caller has the person's translator); this module knows no
language and no network, so it stays a pure function of its arguments. An empty chart is the
caller's to avoid (a line of text says "nothing yet" better); given no values, these functions
raise ValueError rather than draw an empty frame.
"""

from __future__ import annotations

import functools
import io
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, ParamSpec, TypeVar

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator

WIDTH_PX = 1080
DPI = 120
WIDTH_IN = WIDTH_PX / DPI  # 9 inches at 120 dpi
HEIGHT_IN = 6.75  # 810 pixels: 4:3, fills a phone's width without scrolling
MAX_HEIGHT_IN = 40.0  # 4800 pixels: Telegram takes width + height up to 10000, ratio up to 20
LABEL_CHARS = 22  # a longer category label (a name) is cut with an ellipsis
MAX_TICKS = 16  # labels under a bar chart's axis, at most: more would overlap
MIN_SLOTS = 4  # a bar chart is at least this many labels wide, so one bar is not a wall

# Okabe & Ito's palette: told apart by people with the common forms of colour blindness.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
INK = "#222222"
GRID = "#DDDDDD"

# A name with a character the font lacks (an emoji, a script DejaVu Sans has no glyphs for)
# shows an empty box for it; matplotlib would also warn about it, on stderr, every time.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)

TITLE_PT = 20
LABEL_PT = 15
TICK_PT = 14
VALUE_PT = 13


_DRAWING = threading.Lock()
P = ParamSpec("P")
R = TypeVar("R")


def _one_at_a_time(draw: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        with _DRAWING:
            return draw(*args, **kwargs)

    return drawn


@dataclass(frozen=True)
class Series:
    """One row of numbers in a chart, named in the legend (a lone series has no legend).

    None is "no number here": a gap in a line, no bar.
    """

    label: str
    values: Sequence[float | None]
    colour: str | None = None  # e.g. a mood's own colour; None: the palette's next


def plain(text: str) -> str:
    """Text shown as typed: a `$` would otherwise start matplotlib's mathematical notation."""
    return text.replace("$", r"\$")


def short(label: str, limit: int = LABEL_CHARS) -> str:
    """A category label cut to fit beside a bar on a phone."""
    label = " ".join(label.split())
    return plain(label if len(label) <= limit else label[: limit - 1].rstrip() + "…")


def _figure(height_in: float = HEIGHT_IN) -> Figure:
    # The constrained layout makes room for the title, the legend and long labels.
    layout = ConstrainedLayoutEngine(w_pad=0.15, h_pad=0.15)
    figure = Figure(figsize=(WIDTH_IN, min(height_in, MAX_HEIGHT_IN)), dpi=DPI, layout=layout)
    FigureCanvasAgg(figure)
    figure.set_facecolor("white")
    return figure


def _style(axes: Axes, *, value_axis: Literal["x", "y"]) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#888888")
    axes.tick_params(labelsize=TICK_PT, colors=INK)
    axes.grid(axis=value_axis, color=GRID, linewidth=1)
    axes.set_axisbelow(True)


def _title_and_legend(figure: Figure, title: str, *, legend: bool) -> None:
    """The title top left, and between it and the chart the legend in one or two rows: above
    the chart, never on it."""
    axes = figure.axes[0]
    rows = 0
    if legend:
        handles, labels = axes.get_legend_handles_labels()
        columns = min(len(labels), 4 if sum(len(label) for label in labels) < 44 else 2)
        rows = -(-len(labels) // columns)
        axes.legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            ncol=columns,
            fontsize=TICK_PT,
            frameon=False,
            borderaxespad=0.0,
            handlelength=1.2,
        )
    pad = 12 + rows * TICK_PT * 1.75  # points: the legend's rows sit under the title
    axes.set_title(plain(title), fontsize=TITLE_PT, color=INK, loc="left", pad=pad)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not labels or not series:
        raise ValueError("a chart needs at least one label and one series")
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(
                f"series {one.label!r} has {len(one.values)} values, not {len(labels)}"
            )


def _present(series: Sequence[Series], *, zero: bool = False) -> list[Series]:
    """The series with at least one number, each with its colour fixed first: a category
    without data takes no place in the legend (clutter), and the others keep the colour they
    have when it is there (the palette's colour goes by the series' place in the call).
    `zero`: a zero is a number to show (a line at zero), not the absence of one (no bar)."""
    coloured = [
        Series(one.label, one.values, one.colour or COLOURS[index % len(COLOURS)])
        for index, one in enumerate(series)
    ]
    present = [one for one in coloured if any(v is not None and (zero or v) for v in one.values)]
    return present or coloured[:1]  # all zero: the caller's to avoid; draw the frame of one


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@_one_at_a_time
def bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    value_label: str = "",
    horizontal: bool = False,
    stacked: bool = False,
) -> bytes:
    """A bar chart: one group of bars per label, one bar per series (side by side or stacked).

    `horizontal` puts the labels down the left side, one row each, for long labels such as
    names; the picture then grows in height with the number of labels.
    """
    _check(labels, series)
    legend = len(series) > 1
    series = _present(series)
    count = len(labels)
    height = (
        HEIGHT_IN
        if not horizontal
        else max(HEIGHT_IN, 1.6 + 0.42 * count * max(1, 1 if stacked else len(series)))
    )
    figure = _figure(height)
    axes = figure.add_subplot()
    _style(axes, value_axis="x" if horizontal else "y")
    positions = list(range(count))
    width = 0.8 if stacked or len(series) == 1 else 0.8 / len(series)
    base = [0.0] * count
    dense = count * (1 if stacked else len(series)) > 24  # too many bars to write values on
    for index, one in enumerate(series):
        offset = 0.0 if stacked else (index - (len(series) - 1) / 2) * width
        at = [p + offset for p in positions]
        values = [float(v or 0) for v in one.values]
        colour = one.colour
        if horizontal:
            drawn = axes.barh(
                at,
                values,
                height=width,
                left=base if stacked else None,
                color=colour,
                label=plain(one.label),
            )
        else:
            drawn = axes.bar(
                at,
                values,
                width=width,
                bottom=base if stacked else None,
                color=colour,
                label=plain(one.label),
            )
        if not dense:
            shown = [_number(v) if v else "" for v in values]
            axes.bar_label(
                drawn,
                labels=shown,
                label_type="center" if stacked else "edge",
                padding=0 if stacked else 3,
                fontsize=VALUE_PT,
                color="white" if stacked else INK,
            )
        if stacked:
            base = [b + v for b, v in zip(base, values, strict=True)]
    names = [short(label) for label in labels]
    if horizontal:
        axes.set_yticks(positions, names)
        axes.invert_yaxis()  # the first label on top, as it reads
        axes.set_xlabel(plain(value_label), fontsize=LABEL_PT, color=INK)
        axes.margins(x=0.08)
    else:
        step = max(1, -(-count // MAX_TICKS))  # many bars: a label under every few
        axes.set_xticks(positions[::step], names[::step])
        if count > 6 or max(len(n) for n in names) > 8:
            for tick in axes.get_xticklabels():
                tick.set_rotation(45)
                tick.set_horizontalalignment("right")
        axes.set_ylabel(plain(value_label), fontsize=LABEL_PT, color=INK)
        axes.margins(y=0.1)
        if count < MIN_SLOTS:  # a bar or two would fill the whole width
            spare = (MIN_SLOTS - count) / 2
            axes.set_xlim(-0.5 - spare, count - 0.5 + spare)
    _whole_numbers(axes, horizontal=horizontal)
    _title_and_legend(figure, title, legend=legend)
    return _png(figure)


@_one_at_a_time
def line(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    value_label: str = "",
    low: float | None = None,
    high: float | None = None,
    tick_labels: dict[float, str] | None = None,
) -> bytes:
    """A line over time: one point per label (a date, a meeting), one line per series.

    A value of None leaves a gap. `low` and `high` fix the value axis (e.g. moods 1 to 4);
    `tick_labels` names values on it (e.g. 1 = "worried"). With many labels only some are
    written under the axis, so they never overlap.
    """
    _check(labels, series)
    legend = len(series) > 1 and any(one.label for one in series)
    lines = _present(series, zero=True)
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes, value_axis="y")
    positions = list(range(len(labels)))
    for one in lines:
        values = [float("nan") if v is None else float(v) for v in one.values]
        axes.plot(
            positions,
            values,
            color=one.colour,
            linewidth=3,
            marker="o",
            markersize=8,
            label=plain(one.label),
        )
    step = max(1, -(-len(labels) // 8))  # at most 8 labels under the axis
    shown = positions[::step]
    axes.set_xticks(shown, [short(labels[p], 12) for p in shown])
    if len(shown) > 4:
        for tick in axes.get_xticklabels():
            tick.set_rotation(45)
            tick.set_horizontalalignment("right")
    if low is not None or high is not None:
        axes.set_ylim(low, high)
    if tick_labels:
        axes.set_yticks(list(tick_labels), [plain(t) for t in tick_labels.values()])
    else:
        _whole_numbers(axes, horizontal=False)
    axes.set_xlim(-0.5, len(labels) - 0.5)
    axes.set_ylabel(plain(value_label), fontsize=LABEL_PT, color=INK)
    _title_and_legend(figure, title, legend=legend)
    return _png(figure)


def histogram(
    values: Sequence[float],
    edges: Sequence[float],
    bucket_labels: Sequence[str],
    *,
    title: str,
    value_label: str = "",
) -> bytes:
    """How many values fall in each bucket: [edges[i], edges[i+1]), the last one open-ended.

    `bucket_labels` names each bucket (one per edge, e.g. "under 1 min", "1–5 min", ...,
    "over a day"); a value below the first edge counts in the first bucket.
    """
    if not values:
        raise ValueError("a histogram needs at least one value")
    counts = buckets(values, edges)
    if len(bucket_labels) != len(counts):
        raise ValueError(f"{len(counts)} buckets need {len(counts)} labels")
    return bars(bucket_labels, [Series("", counts)], title=title, value_label=value_label)


def buckets(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts per bucket [edges[i], edges[i+1]), the last bucket from the last edge upwards."""
    if not edges:
        raise ValueError("a histogram needs at least one edge")
    counts = [0] * len(edges)
    for value in values:
        index = 0
        for i, edge in enumerate(edges):
            if value >= edge:
                index = i
        counts[index] += 1
    return counts


def _whole_numbers(axes: Axes, *, horizontal: bool) -> None:
    """Counts are whole: no 0.5 member on the value axis."""
    axis = axes.xaxis if horizontal else axes.yaxis
    axis.set_major_locator(MaxNLocator(integer=True, nbins=6))
