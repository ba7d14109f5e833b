"""PyTorch-style ``repr`` of tensors, e.g. ``tensor([1.0000, 2.5000], requires_grad=True)``.

The rules, PyTorch's:
- One format serves every element, chosen from the nonzero finite values:
  scientific (``1.0000e-05``) when max/min > 1000, max > 1e8 or min < 1e-4
  (``sci_mode`` in the print options overrides this choice); otherwise
  ``3.`` when all are integral, else fixed point with `precision` digits.
- Every element is padded to the widest one, so columns line up; a row wraps
  when it would pass `linewidth`.
- More than `threshold` elements are summarized: `edgeitems` at each end of
  every long dim, with ``...`` between; the format only looks at those.
- Complex elements print as ``1.+2.j``: the real and imaginary parts each
  have a format of their own, chosen from all the real (imaginary) parts.
- Suffixes say what the values don't: a dtype other than the default one of
  its kind (default float, default complex, int64, bool), the size of an empty tensor, the
  device, and ``grad_fn=<...>`` or ``requires_grad=True``.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

from . import _dtype as D


class _PrintOptions:
    precision = 4
    threshold: float = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode: bool | None = None


_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}
P = _PrintOptions


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print; `profile` ("default", "short", "full") sets the first four at once.

    Like PyTorch, `sci_mode` is always set: leaving it out restores the automatic choice.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions(): unknown profile {profile!r}; valid: {sorted(_PROFILES)}")
        P.precision, P.threshold, P.edgeitems, P.linewidth = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(P, name, value)
    P.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options (precision, threshold, edgeitems, linewidth, sci_mode)."""
    return {"precision": P.precision, "threshold": P.threshold, "edgeitems": P.edgeitems,
            "linewidth": P.linewidth, "sci_mode": P.sci_mode}


class _Formatter:
    """Chooses one format for a set of values and pads every element to its width."""

    def __init__(self, values: list, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not floating:
            self.width = max((len(str(v)) for v in values), default=1)
            return
        finite = [v for v in values if v != 0 and math.isfinite(v)]
        if not finite:  # only zeros, infs and nans: they print as "0.", "inf", "nan"
            return
        lo = min(abs(v) for v in finite)
        hi = max(abs(v) for v in finite)
        self.int_mode = all(v == math.ceil(v) for v in finite)
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4 if P.sci_mode is None else P.sci_mode
        if self.sci_mode:
            self.width = max(len(f"{v:.{P.precision}e}") for v in finite)
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite)
        else:
            self.width = max(len(f"{v:.{P.precision}f}") for v in finite)

    def format(self, v: Any) -> str:
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:.{P.precision}e}"
        elif self.int_mode:
            s = f"{v:.0f}" + ("." if math.isfinite(v) else "")
        else:
            s = f"{v:.{P.precision}f}"
        return s.rjust(self.width)


class _ComplexFormatter:
    """``re+imj``: the real parts padded to one width, the imaginary parts to another, signed."""

    def __init__(self, values: list) -> None:
        self.real = _Formatter([v.real for v in values], True)
        self.imag = _Formatter([v.imag for v in values], True)
        self.width = self.real.width + self.imag.width + 1

    def format(self, v: complex) -> str:
        imag = (self.imag.format(v.imag) + "j").lstrip()
        return self.real.format(v.real) + (imag if imag[0] in "+-" else "+" + imag)


def _edge_values(t, summarize: bool) -> Any:
    """t's values as nested lists, keeping only `edgeitems` at each end of long dims when summarizing."""
    if not summarize or t.ndim == 0:
        return t.tolist()
    n, e = t.shape[0], P.edgeitems
    if t.ndim == 1:
        return t[:e].tolist() + t[n - e:].tolist() if n > 2 * e else t.tolist()
    keep = (*range(e), *range(n - e, n)) if n > 2 * e else range(n)
    return [_edge_values(t[i], True) for i in keep]


def _flat(values: Any) -> Iterator:
    if isinstance(values, list):
        for v in values:
            yield from _flat(v)
    else:
        yield values


def _body(values: Any, shape: tuple, fmt: _Formatter, indent: int, summarize: bool) -> str:
    """The bracketed text of `values` (nested lists of `shape`, cut at the edges when summarizing)."""
    if not shape:
        return fmt.format(values)
    e = P.edgeitems
    cut = summarize and shape[0] > 2 * e
    if len(shape) == 1:
        items = [fmt.format(v) for v in values]
        if cut:
            items = items[:e] + [" ..." if e else "..."] + items[e:]
        per_line = max(1, (P.linewidth - indent) // (fmt.width + 2))  # each element also takes ", "
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_body(v, shape[1:], fmt, indent + 1, summarize) for v in values]
    if cut:
        rows = rows[:e] + ["..."] + rows[e:]
    # one blank line between the 2-D blocks of a 3-D tensor, two between 3-D blocks, ...
    return "[" + ("," + "\n" * (len(shape) - 1) + " " * (indent + 1)).join(rows) + "]"


def _tensor_str(t, indent: int) -> str:
    summarize = t.numel() > P.threshold
    t = t.detach()
    if t.dtype in (D.float16, D.bfloat16):
        t = t.float()
    values = _edge_values(t, summarize)
    flat = list(_flat(values))
    fmt = _ComplexFormatter(flat) if t.dtype.is_complex else _Formatter(flat, t.dtype.is_floating_point)
    return _body(values, tuple(t.shape), fmt, indent, summarize)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ", suffix" for each suffix, moving one to a new line where the line would pass linewidth."""
    parts = [text]
    # PyTorch's measure of the last line (it counts two more characters than there are)
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > P.linewidth:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device.type}:{t.device.index or 0}'")
    dt = t.dtype
    if t.numel() == 0:
        if t.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if dt is not D.get_default_dtype():  # no values to tell an int64 tensor from a float one
            suffixes.append(f"dtype={dt}")
        body = "[]"
    else:
        if not P.edgeitems:  # the values may all be hidden
            suffixes.append(f"size={tuple(t.shape)}")
        if dt not in (D.get_default_dtype(), D.get_default_complex_dtype(), D.int64, D.bool_):
            suffixes.append(f"dtype={dt}")
        body = _tensor_str(t, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
