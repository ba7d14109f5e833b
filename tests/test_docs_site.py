"""The documentation site builds in strict mode with `mytorch docs` (a broken link, a missing reference or a
docstring warning fails the build), and its pages hold what the docstrings and docs/ say. The site is built
once per session, in a subprocess (the API reference imports every mytorch module to inspect it)."""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.backend_independent  # the site is built in a subprocess, on the default backend


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("docs") / "site"
    done = subprocess.run([sys.executable, "-m", "mytorch", "docs", "--out", str(out)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return out


def _page(site: pathlib.Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_reference_pages_hold_the_docstrings(site):
    functional = _page(site, "reference/functional")
    assert 'id="mytorch.nn.functional.cross_entropy"' in functional
    # the docstrings' TeX reaches the page as math for MathJax (scripts/site_screenshots.py shows it rendered)
    assert '<div class="arithmatex">\\[ s_{n} = (1 - \\varepsilon)' in functional
    # modules' and classes' dunder attributes stay out (mytorch/commands/_docs_hooks.py)
    assert 'id="mytorch.nn.functional.__file__"' not in functional and ".__weakref__" not in functional
    tensor = _page(site, "reference/tensor")
    # a table-built function (the unary ops) is in the reference under its own name, with its table's math
    assert 'id="mytorch.ops.unary.exp"' in tensor and "dy/dx = e^x = y" in tensor
    assert 'id="mytorch.ops.binary.mul"' in tensor and 'id="mytorch.Tensor"' in tensor
    assert 'id="mytorch.optim.sgd.SGD"' in _page(site, "reference/optim")
    assert 'id="mytorch.commands.docs"' in _page(site, "reference/cli")
    # the issues' subsystems beyond the core: audio and speech, distributed, ONNX, DLPack
    speech = _page(site, "reference/speech")
    assert 'id="mytorch.audio.functional.resample.resample"' in speech and 'id="mytorch.metrics.error_rate.wer"' in speech
    assert 'id="mytorch.speech.attention_decoding.attention_decode"' in speech
    distributed = _page(site, "reference/distributed")
    for name in ("distributed.collectives.all_reduce", "nn.parallel.distributed.DistributedDataParallel",
                 "utils.data.distributed.DistributedSampler", "onnx.export", "utils.dlpack.from_dlpack"):
        assert f'id="mytorch.{name}"' in distributed, name
    # what a module imports stays out unless its __all__ lists it, and so does a class attribute naming another
    # class (the lazy modules' cls_to_become): each rendered a whole class again
    assert 'id="mytorch.ops.attention.Tensor"' not in functional
    assert 'id="mytorch.ops.attention.attention"' in functional
    autograd = _page(site, "reference/autograd")
    assert 'id="mytorch.autograd.engine.Tensor"' not in autograd and 'id="mytorch.autograd.engine.grad"' in autograd
    assert ".cls_to_become." not in _page(site, "reference/nn")
    assert 'id="mytorch.commands.train.HelpFormatter"' not in _page(site, "reference/cli")


def test_architecture_tutorials_and_math_are_in_the_site(site):
    assert "How mytorch is built" in _page(site, "architecture")
    for tutorial in sorted((pathlib.Path(__file__).parent.parent / "docs" / "tutorials").glob("[0-9][0-9]-*.md")):
        page = _page(site, f"tutorials/{tutorial.stem}")
        assert 'class="arithmatex"' in page, tutorial.name
        # the links to the source it rebuilds resolve to entries of the API reference
        assert re.search(r'href="\.\./\.\./reference/\w+/#mytorch\.', page), tutorial.name
    assert (site / "mathjax" / "MathJax.js").is_file()
