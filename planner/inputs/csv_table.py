"""Read a user's CSV file of series: comma- or semicolon-separated, with clear errors for the usual slips.

- A file whose header has ``;`` and no ``,`` is read as semicolon-separated with decimal commas (the
  spreadsheet export of most European locales).
- A comma-separated file whose rows have more fields than its header (decimal commas, ``0,25``) is an error
  naming the first such row, not a puzzle about the timestamp column.
- A UTF-8 byte-order mark is ignored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


class CsvShapeError(ValueError):
    """A CSV whose rows do not match its header; the message names the row and the likely cause."""


def read_series_table(path: str | Path) -> pd.DataFrame:
    """Read ``path`` into a frame with a default index (column 0 is the timestamp column).

    Raises
    ------
    OSError
        When the file cannot be read.
    CsvShapeError
        When a row has more fields than the header.
    ValueError, pandas.errors.ParserError
        For other malformed content.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    semicolon = ";" in header and "," not in header
    if semicolon:
        frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    else:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    if not isinstance(frame.index, pd.RangeIndex):
        columns = len(header.split(";" if semicolon else ","))
        msg = (
            f"{Path(path).name}: its rows have more fields than the header's {columns} - decimal commas in a "
            "comma-separated file? Write decimals with a dot, or separate the columns with ';'"
        )
        raise CsvShapeError(msg)
    return frame
