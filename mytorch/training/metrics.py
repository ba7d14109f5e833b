"""Per-epoch metrics kept in memory and written as metrics.csv and metrics.json (both atomically)."""
from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from ..serialization.atomic import atomic_write


def _write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it, with the permissions a plain
    ``open(path, "w")`` would give (as every other file of a run has)."""
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            f.write(text)
    atomic_write(path, write)


class MetricsLog:
    """One row (a dict of numbers) per epoch, in order; ``rows`` round-trips through a checkpoint."""

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows: list[dict[str, Any]] = list(rows or [])

    def append(self, row: dict[str, Any]) -> None:
        self.rows.append(dict(row))

    def column(self, name: str) -> list[Any]:
        return [row.get(name) for row in self.rows]

    def write(self, out_dir: str) -> tuple[str, str]:
        """Write ``metrics.csv`` and ``metrics.json`` into ``out_dir``; returns their paths."""
        fields: list[str] = []
        for row in self.rows:
            fields += [k for k in row if k not in fields]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=fields)
        writer.writeheader()
        writer.writerows(self.rows)
        csv_path, json_path = os.path.join(out_dir, "metrics.csv"), os.path.join(out_dir, "metrics.json")
        _write_atomic(csv_path, buf.getvalue())
        _write_atomic(json_path, json.dumps(self.rows, indent=1) + "\n")
        return csv_path, json_path
