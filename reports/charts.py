"""The funnel as small bar charts, one per province: the geometry of a server-rendered SVG.

The Content-Security-Policy forbids inline styles and scripts, so the template draws with SVG
attributes (x, y, width, height) and classes styled in workspace.css. Each bar is the number of
participants who reached a phase; a line across it marks the target. Every chart carries a text
alternative; the table beside it is the full, accessible source."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from casemgmt.models import Phase
from reports.funnel import PHASES, FunnelReport, FunnelRow

WIDTH = 280
HEIGHT = 200
TOP = 22  # room for the value above the tallest bar
BOTTOM = 26  # room for the phase numbers under the bars
SIDE = 10
SLOT = (WIDTH - 2 * SIDE) / len(PHASES)
BAR = 34
TARGET_WIDTH = 50
PLOT = HEIGHT - TOP - BOTTOM


@dataclass
class Bar:
    phase: int
    count: int | None
    target: int | None
    suppressed: bool
    x: float
    y: float
    height: float
    centre: float
    value_y: float
    width: int = BAR
    target_x: float | None = None
    target_x2: float | None = None
    target_y: float | None = None


@dataclass
class Chart:
    code: str
    title: str
    description: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    label_y: float = HEIGHT - BOTTOM + 17


def _describe(row: FunnelRow, threshold: int | None) -> str:
    parts = []
    for phase in PHASES:
        cell = row.cells[phase]
        if cell.suppressed:
            count = _("fewer than %(threshold)d") % {"threshold": threshold}
        else:
            count = str(cell.count)
        if cell.target is None:
            parts.append(_("phase %(phase)d %(name)s: %(count)s, no target")
                         % {"phase": phase, "name": Phase(phase).label, "count": count})
        else:
            parts.append(_("phase %(phase)d %(name)s: %(count)s of a target of %(target)d")
                         % {"phase": phase, "name": Phase(phase).label, "count": count,
                            "target": cell.target})
    return "; ".join(parts) + "."


def funnel_chart(row: FunnelRow, threshold: int | None = None) -> Chart:
    cells = [row.cells[phase] for phase in PHASES]
    top = max([1, *(cell.count or 0 for cell in cells), *(cell.target or 0 for cell in cells)])
    baseline = HEIGHT - BOTTOM
    bars = []
    for index, (phase, cell) in enumerate(zip(PHASES, cells, strict=True)):
        centre = SIDE + SLOT * index + SLOT / 2
        height = round(PLOT * (cell.count or 0) / top, 1)
        bar = Bar(phase=phase, count=cell.count, target=cell.target, suppressed=cell.suppressed,
                  x=round(centre - BAR / 2, 1), y=round(baseline - height, 1), height=height,
                  centre=round(centre, 1), value_y=round(baseline - height - 5, 1))
        if cell.target is not None:
            bar.target_x = round(centre - TARGET_WIDTH / 2, 1)
            bar.target_x2 = round(centre + TARGET_WIDTH / 2, 1)
            bar.target_y = round(baseline - PLOT * cell.target / top, 1)
        bars.append(bar)
    return Chart(
        code=row.code,
        title=_("%(region)s: participants per phase against the target") % {"region": row.name},
        description=_describe(row, threshold),
        bars=bars,
    )


def funnel_charts(report: FunnelReport) -> list[Chart]:
    """A chart per province (the regions with targets), and one for the total."""
    rows = [row for row in report.rows if row.kind == "province"]
    return [funnel_chart(row, report.suppressed_below) for row in [*rows, report.total]]
