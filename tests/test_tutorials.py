"""The tutorials (docs/tutorials/NN-*.md, jupytext markdown) run end to end: their code cells are executed in
order in one namespace, as a notebook kernel would run them, and each tutorial ends by checking its result
against mytorch and PyTorch with asserts, so a tutorial whose code no longer runs or no longer agrees fails
here. Each tutorial also points to the mytorch source it rebuilds: links whose text is a file path and whose
target is a reference entry (``[mytorch/autograd/engine.py][mytorch.autograd.engine]``), which the documentation
site resolves (tests/test_docs_site.py builds it strictly, so an unknown target fails there)."""
from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import jupytext
import matplotlib
import pytest

ROOT = pathlib.Path(__file__).parent.parent
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("[0-9][0-9]-*.md"))
SOURCE_LINK = re.compile(r"\[(mytorch/[\w/]+\.py)\]\[([\w.]+)\]")
SOURCE_PATH = re.compile(r"`((?:mytorch|csrc)/[\w/.]*)`")  # a path named in the text without a link


def code_cells(path: pathlib.Path) -> list[str]:
    notebook = jupytext.read(path)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_the_series_is_there():
    assert [p.name[:2] for p in TUTORIALS] == [f"{i:02d}" for i in range(1, len(TUTORIALS) + 1)]
    assert len(TUTORIALS) >= 11  # the series issue 13 lists


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


def _resolve(identifier: str):
    """The module or object a reference identifier names (``mytorch.autograd.engine``, ``mytorch.Tensor``)."""
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(identifier)


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_points_to_the_source_it_rebuilds(path):
    links = SOURCE_LINK.findall(path.read_text(encoding="utf-8"))
    assert links, f"{path.name} links no mytorch source file"
    for file, identifier in links:
        assert (ROOT / file).is_file(), f"{path.name} names {file}, which does not exist"
        defined_in = pathlib.Path(inspect.getsourcefile(inspect.unwrap(_resolve(identifier)))).resolve()
        assert defined_in == (ROOT / file).resolve(), f"{path.name}: {identifier} is defined in {defined_in}, not {file}"
    for named in SOURCE_PATH.findall(path.read_text(encoding="utf-8")):
        assert (ROOT / named).exists(), f"{path.name} names {named}, which does not exist"
