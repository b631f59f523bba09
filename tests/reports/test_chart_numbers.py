"""Charts write numbers as the tables do: Indonesian decimal commas ("2,5"), English dots."""

from __future__ import annotations

import matplotlib.pyplot as plt

from reports.charts import decimal_axis


def tick_labels(lang: str) -> list[str]:
    fig, ax = plt.subplots()
    try:
        ax.set_ylim(0, 3)
        decimal_axis(ax.yaxis, lang)
        fig.canvas.draw()
        return [label.get_text() for label in ax.get_yticklabels()]
    finally:
        plt.close(fig)


def test_indonesian_chart_axes_use_decimal_commas():
    labels = tick_labels("id")
    assert "2,5" in labels and "2.5" not in labels and "3" in labels


def test_english_chart_axes_keep_decimal_points():
    assert "2.5" in tick_labels("en")
