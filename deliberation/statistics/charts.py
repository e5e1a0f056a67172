"""Bar charts as server-rendered SVG: the geometry is computed here, the template
(`statistics/_bar_chart.html`) only writes it out. Every chart has a title, a description and
text axis labels; the page puts the same numbers in a table beside it."""

from dataclasses import dataclass

WIDTH = 720
HEIGHT = 280
LEFT = 56  # room for the value axis labels
RIGHT = 12
TOP = 16
BOTTOM = 64  # room for the category labels and the axis title
MAX_LABELS = 24  # more categories than this: label every n-th bar


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    show_label: bool

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float

    @property
    def text_y(self) -> float:
        return round(self.y + 4, 1)


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    desc: str
    x_label: str
    y_label: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    base: int = HEIGHT - BOTTOM

    @property
    def rotate_labels(self) -> bool:
        return len(self.bars) > 12

    @property
    def show_values(self) -> bool:
        return len(self.bars) <= 24

    @property
    def label_y(self) -> int:
        return self.base + 16

    @property
    def x_label_y(self) -> int:
        return self.height - 6

    @property
    def x_label_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def y_label_x(self) -> float:
        """The value axis title is drawn rotated by -90°, so its x runs up the page."""
        return -(self.top + self.base) / 2


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above `value` (at least 1), so ticks are round."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(step * factor, 1)
        step *= 10


def bar_chart(*, id: str, title: str, desc: str, x_label: str, y_label: str,
              series: list[tuple[str, int]]) -> BarChart:
    top_value = nice_ceiling(max((value for _, value in series), default=0))
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - RIGHT - LEFT) / max(len(series), 1)
    gap = min(slot * 0.2, 8)
    every = -(-len(series) // MAX_LABELS) if series else 1
    bars = []
    for index, (label, value) in enumerate(series):
        height = plot_height * value / top_value
        x = LEFT + index * slot + gap / 2
        bars.append(Bar(label=label, value=value, x=round(x, 1), y=round(HEIGHT - BOTTOM - height, 1),
                        width=round(slot - gap, 1), height=round(height, 1),
                        label_x=round(x + (slot - gap) / 2, 1), show_label=index % every == 0))
    steps = 4 if top_value % 4 == 0 else 5 if top_value % 5 == 0 else 2 if top_value % 2 == 0 else 1
    ticks = [Tick(value=top_value * n // steps, y=round(HEIGHT - BOTTOM - plot_height * n / steps, 1))
             for n in range(steps + 1)]
    return BarChart(id=id, title=title, desc=desc, x_label=x_label, y_label=y_label, bars=bars, ticks=ticks)


def charts_for(stats) -> dict[str, list[BarChart]]:
    """The charts of each measure (keyed like `tables.MEASURES`); a measure without a chart
    is shown as its table alone."""
    from django.utils.translation import gettext as _

    period = {"start": stats.period.start.isoformat(), "end": stats.period.end.isoformat()}
    t = stats.thresholds
    return {
        "monthly": [
            bar_chart(id="chart-proposals", title=_("Proposals per month"),
                      desc=_("Proposals filed each month from %(start)s to %(end)s; the table below has the numbers.")
                      % period, x_label=_("Month"), y_label=_("Proposals"),
                      series=[(row.label, row.proposals) for row in stats.months]),
            bar_chart(id="chart-supports", title=_("Supports per month"),
                      desc=_("Supports given each month from %(start)s to %(end)s; the table below has the numbers.")
                      % period, x_label=_("Month"), y_label=_("Supports"),
                      series=[(row.label, row.supports) for row in stats.months]),
        ],
        "thresholds": [
            bar_chart(id="chart-thresholds", title=_("Proposals whose support period ended, by threshold reached"),
                      desc=_("Of %(ended)d proposals, %(answer)d reached the answer threshold and %(debate)d the "
                             "debate threshold.") % {"ended": t.ended, "answer": t.reached_answer,
                                                     "debate": t.reached_debate},
                      x_label=_("Measure"), y_label=_("Proposals"),
                      series=[(_("Ended"), t.ended), (_("Answer threshold"), t.reached_answer),
                              (_("Debate threshold"), t.reached_debate), (_("Failed"), t.failed)]),
        ],
        "debate_types": [
            bar_chart(id="chart-participation", title=_("Participation by vote type"),
                      desc=_("Ballots and opinions in debates opened in the range, per vote type."),
                      x_label=_("Vote type"), y_label=_("Participation"),
                      series=[(row.label, row.participation) for row in stats.debate_types]),
        ],
        "decisions": [
            bar_chart(id="chart-decisions", title=_("Approved department answers by decision"),
                      desc=_("Department answers approved in the range, by their decision."),
                      x_label=_("Decision"), y_label=_("Answers"),
                      series=[(row.label, row.answers) for row in stats.decisions]),
        ],
        "hours": [
            bar_chart(id="chart-hours", title=_("Supports and ballots by hour of the day"),
                      desc=_("Supports and ballots together, by local hour (Asia/Seoul), from %(start)s to %(end)s.")
                      % period, x_label=_("Hour of the day"), y_label=_("Supports and ballots"),
                      series=[(f"{row.hour:02d}", row.total) for row in stats.hours]),
        ],
    }
