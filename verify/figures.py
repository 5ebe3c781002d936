"""Render matplotlib figures for the reports: PNG, SVG and a CSV of the plotted numbers."""
from __future__ import annotations

import csv
import io

from verify.outcome import Figure


def new_figure(*, ncols: int = 1, width: float = 5.0, height: float = 3.6):
    """A (figure, axes) pair drawn off-screen (Agg), independent of pyplot's global state."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def render(fig, name: str, columns: dict, caption: str = "") -> Figure:
    """Freeze a matplotlib figure and the columns it plots (equal-length sequences)."""
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = name  # stable element ids across runs
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=110, metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None})
    return Figure(name, png.getvalue(), svg.getvalue(), table_csv(columns), caption)


def table_csv(columns: dict) -> str:
    names = list(columns)
    lengths = {len(columns[n]) for n in names}
    if len(lengths) > 1:
        raise ValueError(f"figure columns have different lengths: { {n: len(columns[n]) for n in names} }")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*(columns[n] for n in names)):
        writer.writerow([repr(float(v)) if isinstance(v, float) else v for v in row])
    return buf.getvalue()
