"""A mart's rows on its page, and the same rows as a CSV file beside the site.

Both are bounded (marts.SAMPLE_ROWS on the page, marts.CSV_ROWS in the file) so
the site stays small whatever the warehouse holds; the page says when a mart
has more rows than the file. The CSV is written by the site, not served by
anything, so the download works from file:// too.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from html import escape
from typing import Any

from warehouse.serve.docs.marts import CSV_ROWS, SAMPLE_ROWS, Sample


def csv_name(node_name: str) -> str:
    return "data/" + re.sub(r"[^A-Za-z0-9_.-]", "_", node_name) + ".csv"


def row_anchor(value: Any) -> str:
    """The id of a sample row, from its first column (a key, in the marts here)."""
    return "row-" + re.sub(r"[^A-Za-z0-9_.~:-]", "_", cell_text(value))


def cell_text(value: Any) -> str:
    """A value as a spreadsheet should read it: dates in ISO form, no 'None'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def csv_text(sample: Sample) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sample.columns)
    for row in sample.rows:
        writer.writerow([cell_text(v) for v in row])
    return out.getvalue()


def sample_section(doc: Any, sample: Sample) -> str:
    """The 'Rows' section of a mart's page: how many, the first rows, the CSV link."""
    shown = sample.rows[:SAMPLE_ROWS]
    order = escape(sample.columns[0]) if sample.columns else ""
    if len(shown) == sample.total:
        first = f"all {sample.total:,} rows, by <code>{order}</code>"
    else:
        first = f"the first {len(shown):,} of {sample.total:,} rows, by <code>{order}</code>"
    in_file = (f"all {len(sample.rows):,} rows" if len(sample.rows) == sample.total
               else f"the first {len(sample.rows):,} rows (a file holds at most {CSV_ROWS:,})")
    head = "".join(f"<th>{escape(c)}</th>" for c in sample.columns)
    body = []
    for row in shown:
        cells = "".join(f"<td>{escape(cell_text(v)) if v is not None else '<i>null</i>'}</td>"
                        for v in row)
        anchor = f' id="{escape(row_anchor(row[0]))}"' if row else ""
        body.append(f"<tr{anchor}>{cells}</tr>")
    return (f'<h2 id="rows">Rows</h2><p>Below: {first}. <a class="download" '
            f'href="{escape(csv_name(doc.id.name))}" download>Download CSV</a> ({in_file}).</p>'
            f'<div class="scroll rows"><table class="rows"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
