"""The tutorials (docs/tutorials/NN-*.md, jupytext markdown) run end to end: their code cells are executed in
order in one namespace, as a notebook kernel would run them, and each tutorial ends by checking its result
against mytorch and PyTorch with asserts, so a tutorial whose code no longer runs or no longer agrees fails
here."""
from __future__ import annotations

import pathlib

import jupytext
import matplotlib
import pytest

TUTORIALS = sorted((pathlib.Path(__file__).parent.parent / "docs" / "tutorials").glob("[0-9][0-9]-*.md"))


def code_cells(path: pathlib.Path) -> list[str]:
    notebook = jupytext.read(path)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_the_series_is_there():
    assert [p.name[:2] for p in TUTORIALS] == [f"{i:02d}" for i in range(1, len(TUTORIALS) + 1)]
    assert len(TUTORIALS) >= 2


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files a tutorial writes land in a scratch folder
    matplotlib.use("Agg")
    cells = code_cells(path)
    assert cells, f"{path.name} has no code cells"
    namespace = {"__name__": "__main__"}
    for i, source in enumerate(cells):
        try:
            exec(compile(source, f"{path.name}[cell {i + 1}]", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"{path.name}, code cell {i + 1} failed:\n{source}") from e
