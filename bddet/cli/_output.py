"""Terminal output: results on stdout, messages and progress on stderr, via rich.

rich honours NO_COLOR and drops colour and live bars when the stream is not a terminal.
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable, Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..atomic_write import strict_json_value

console = Console()
err_console = Console(stderr=True)


def error(message: str) -> None:
    """One red line on stderr; soft_wrap keeps rich from breaking it into several."""
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True, highlight=False)


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True, highlight=False)


def info(message: str) -> None:
    err_console.print(escape(message), soft_wrap=True, highlight=False)


def escape_markup(text: str) -> str:
    """Text shown as it is, never read as rich markup."""
    return escape(text)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout: unstyled, strict JSON (NaN as null) so `| jq` works."""
    console.file.write(json.dumps(strict_json_value(data), indent=2, allow_nan=False) + "\n")
    console.file.flush()


def fmt_number(value: float | None, digits: int = 2) -> str:
    """A metric as shown in tables: NaN and missing as '-'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                right_align_from: int = 1, bold_last: bool = False) -> None:
    """A rich table on stdout; columns from ``right_align_from`` on are right-aligned (numbers);
    ``bold_last`` sets the last row (OVERALL) in bold."""
    table = Table(title=title, header_style="bold", title_justify="left", box=box.SIMPLE_HEAD)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i >= right_align_from else "left", no_wrap=True)
    rows = list(rows)
    for k, row in enumerate(rows):
        table.add_row(*(str(c) for c in row), style="bold" if bold_last and k == len(rows) - 1 else None)
    console.print(table)


def print_error_breakdown(errors, title: str = "Where the AP50 goes (TIDE): AP50 gained by fixing each error type") -> None:
    """The TIDE breakdown as a rich table: OVERALL first, then per class."""
    from ..data.categories import CLASSES
    from ..evaluation.tide import ERROR_TYPES

    rows = [("OVERALL", fmt_number(errors.ap50), *(fmt_number(errors.main[k]) for k in ERROR_TYPES))]
    rows += [(c, fmt_number(errors.per_class_ap50[c]), *(fmt_number(errors.per_class[c][k]) for k in ERROR_TYPES))
             for c in CLASSES]
    rows.append(("count", "", *(str(errors.counts[k]) for k in ERROR_TYPES)))
    print_table(title, ["class", "AP50", *ERROR_TYPES], rows)


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (for the README's generated zoo table)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def say(level: str, message: str) -> None:
    """The library's on_message callback: ("warning" | "info", one line) to stderr."""
    (warn if level == "warning" else info)(message)


class ImageProgress:
    """A rich progress bar with images/s on stderr (nothing when stderr is not a terminal).

    Call it with (done, total) as the library reports progress. The bar starts on the first
    call and stops when done reaches total, or when the ``with`` block ends. It pickles (as
    its label), so the library can hand it to rank 0 of a multi-process run, where it draws.
    """

    def __init__(self, label: str, unit: str = "img") -> None:
        self._label, self._unit = label, unit
        self._progress = None
        self._task = None

    def __getstate__(self) -> dict:
        return {"_label": self._label, "_unit": self._unit}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["_label"], state.get("_unit", "img"))

    def __enter__(self) -> "ImageProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, done: int, total: int) -> None:
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        now = time.perf_counter()
        if self._progress is None:
            if self._task is not None:
                return  # finished already
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=err_console,
                                      disable=not err_console.is_terminal)
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=total, rate="")
            self._start, self._first = now, done
        elapsed = now - self._start
        rate = f"{(done - self._first) / elapsed:.1f} {self._unit}/s" if elapsed > 0 and done > self._first else ""
        self._progress.update(self._task, completed=done, total=total, rate=rate)
        if done >= total:
            self.close()
