"""Bar charts drawn on the server as SVG, always next to a table of the same figures (the
table is what a screen reader reads; the chart is `role="img"` labelled by its heading).

    chart = charts.chart([("Roofs", 12, "12"), ("Windows", 7, "7")])
    {% include "panels/chart.html" with chart=chart labelledby="heading-id" %}
"""

from dataclasses import dataclass

# Each row: its label, then its bar, then the value after it (room for "123 (45 %)").
CHART_WIDTH, BAR_MAX, BAR_HEIGHT, ROW = 300, 200, 16, 44


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as shown, after the bar
    y: int  # the top of the row: the label sits on y + 14, the bar from y + 20
    width: float

    @property
    def label_y(self) -> int:
        return self.y + 14

    @property
    def bar_y(self) -> int:
        return self.y + 20

    @property
    def text_y(self) -> int:
        return self.y + 33

    @property
    def text_x(self) -> float:
        return self.width + 6


def chart_height(bars_: list[Bar]) -> int:
    return max(1, len(bars_)) * ROW


def bars(rows: list[tuple[str, float, str]], *, scale: float | None = None) -> list[Bar]:
    """Horizontal bars for an SVG chart: (label, value, shown value) → geometry."""
    top = scale or max((value for _label, value, _text in rows), default=0) or 1
    return [
        Bar(label, value, text, y=index * ROW, width=BAR_MAX * value / top)
        for index, (label, value, text) in enumerate(rows)
    ]


@dataclass
class Chart:
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    bar_height: int = BAR_HEIGHT


def chart(rows: list[tuple[str, float, str]], *, scale: float | None = None) -> Chart:
    drawn = bars(rows, scale=scale)
    return Chart(drawn, chart_height(drawn))
