"""A report page's sections: a heading, paragraphs, figures and tables, rendered into ONE
self-contained HTML document (plotly.js inlined once, each figure's JSON beside its div)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from thermidor.reports.html import RENDER, STYLE, _figure_json

if TYPE_CHECKING:
    import plotly.graph_objects as go

Table = tuple[list[str], list[list[str]]]  # header, rows
TitledTable = tuple[str, list[str], list[list[str]]]  # a title over it, header, rows


@dataclass
class Section:
    """A heading, a paragraph or two, figures and tables, in that order."""

    title: str
    text: list[str] = field(default_factory=list)
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[Table | TitledTable] = field(default_factory=list)


def number(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}g}" if isinstance(value, float | int) and math.isfinite(value) else "—"


def render(title: str, intro: str, sections: list[Section], style: str = STYLE) -> str:
    """One HTML document: plotly.js inlined once, each figure's JSON beside its div, each
    table in a box that scrolls sideways rather than widening the page."""
    from plotly.offline import get_plotlyjs  # noqa: PLC0415

    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{style}{WRAP}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        f"</head><body><h1>{esc(title)}</h1>",
    ]
    if intro:
        parts.append(f"<p>{esc(intro)}</p>")
    count = 0
    for section in sections:
        parts.append(f"<section><h2>{esc(section.title)}</h2>")
        parts += [f"<p>{esc(text)}</p>" for text in section.text]
        for fig in section.figures:
            parts += [
                f'<div id="figure-{count}" class="figure"></div>',
                f'<script type="application/json" data-figure="figure-{count}">',
                _figure_json(fig),
                "</script>",
            ]
            count += 1
        parts += [_table(table) for table in section.tables]
        parts.append("</section>")
    parts += [f"<script>{RENDER}</script>", "</body></html>"]
    return "\n".join(parts)


WRAP = "\n.table-wrap { max-width: 100%; overflow-x: auto; }\n"


def _table(table: Table | TitledTable) -> str:
    esc = html.escape
    title, header, rows = table if len(table) == 3 else ("", *table)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    caption = f"<h3>{esc(title)}</h3>" if title else ""
    return (f'{caption}<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")  # fmt: skip
