"""Charts for the termly summary, drawn from published (suppressed) tables only."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from eyanalysis.present import format as fmt
from eyanalysis.present.charts.style import BASE_LAYOUT
from eyanalysis.present.disclosure import CONFIDENTIAL


def _values(column: pd.Series) -> tuple[list, list]:
    """Bar heights (suppressed cells drawn as gaps) and their labels ('[c]' where hidden)."""
    heights = pd.to_numeric(column.where(column != CONFIDENTIAL), errors="coerce")
    labels = [s.text if (s := fmt.symbol(v)) else str(v) for v in column]
    return heights.tolist(), labels


def bars(table: pd.DataFrame, category: str, columns: list[str], title: str,
         names: dict[str, str] | None = None, scale: float = 1.0) -> go.Figure:
    """Grouped bars of ``columns`` by ``category`` (total rows left out)."""
    body = table[table[category] != "Total"]
    fig = go.Figure()
    for col in columns:
        heights, labels = _values(body[col])
        fig.add_bar(x=body[category].astype(str), y=[h / scale if h == h else h
                                                     for h in heights],
                    name=(names or {}).get(col, col.replace("_", " ")),
                    text=labels if scale == 1 else None, textposition="outside")
    fig.update_layout(title=title, barmode="group", template="plotly_white",
                      legend_title_text="", margin={"t": 60}, **BASE_LAYOUT)
    return fig
