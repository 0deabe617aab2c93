"""The report's charts, drawn on the server (matplotlib, no display) as PNG, with a CJK font from the operating
system (Debian's fonts-wqy-microhei; without one, Chinese labels would print as boxes, so the charts say so in
the log once and still draw)."""

import logging
from functools import cache
from io import BytesIO
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; before pyplot is imported

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

log = logging.getLogger(__name__)

FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
BLUE, GREY = "#0a58ca", "#adb5bd"


@cache
def cjk_font() -> str | None:
    """The family name of the first CJK font found, registered with matplotlib; None when there is none."""
    for path in FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    log.warning(
        "no CJK font found (%s): the report's charts will show boxes for Chinese", ", ".join(FONT_FILES)
    )
    return None


def _png(fig: Figure) -> bytes:
    out = BytesIO()
    fig.savefig(out, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def _figure(width: float, height: float) -> Figure:
    family = cjk_font()
    if family:
        plt.rcParams["font.family"] = [family]
    plt.rcParams["axes.unicode_minus"] = False
    fig, _axes = plt.subplots(figsize=(width, height))
    return fig


def progress_chart(labels: list[str], percents: list[float]) -> bytes:
    """Horizontal bars: each goal's progress in percent (capped at 100 in the bar, the label says the real one)."""
    fig = _figure(6.5, 0.45 * len(labels) + 0.8)
    ax = fig.axes[0]
    shown = [min(p, 100.0) for p in percents]
    ax.barh(labels, [100.0] * len(labels), color=GREY, height=0.55)
    ax.barh(labels, shown, color=BLUE, height=0.55)
    for y, value in enumerate(percents):
        ax.text(min(value, 100.0) + 1, y, f"{value:.0f}%", va="center", fontsize=9)
    ax.set_xlim(0, 115)
    ax.invert_yaxis()
    ax.set_xlabel("%")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def funnel_chart(labels: list[str], counts: list[int]) -> bytes:
    """Targets, then projects, by stage."""
    fig = _figure(6.5, 3.0)
    ax = fig.axes[0]
    bars = ax.bar(labels, counts, color=BLUE)
    ax.bar_label(bars, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=9)
    return _png(fig)


def weekly_chart(weeks: list[str], signed: list[int], pipeline: list[int], signed_label: str,
                 pipeline_label: str) -> bytes:  # fmt: skip
    """Signed this year (cumulative) and in the pipeline, week by week."""
    fig = _figure(6.5, 3.0)
    ax = fig.axes[0]
    ax.plot(weeks, signed, marker="o", color=BLUE, label=signed_label)
    ax.plot(weeks, pipeline, marker="s", color=GREY, label=pipeline_label)
    ax.legend(fontsize=9, frameon=False)
    ax.tick_params(axis="x", labelsize=8, rotation=45)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
