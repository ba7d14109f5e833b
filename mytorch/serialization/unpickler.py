"""Reading a checkpoint's pickle: restricted (``weights_only=True``, the default) or unrestricted.

The restricted unpickler is its own interpreter of the pickle opcodes; Python's unpickler is never run on
an untrusted file, because any object it can reach through a global may be called with any arguments and
have any attribute set. Here:

- a global (GLOBAL, STACK_GLOBAL) must be one of PyTorch's names that mytorch plays (``torch_names``), a
  container or scalar type below, or one the user allowed (``add_safe_globals``); anything else raises
  ``pickle.UnpicklingError`` naming it, before anything from the file runs;
- only those callables may be called (REDUCE), only allowed classes instantiated (NEWOBJ), and state set
  (BUILD) only on an OrderedDict (a state dict's ``_metadata``), a tensor's Python attributes or an
  instance of a class the user allowed;
- items go only into lists, dicts and sets; a persistent id must name a storage.

``weights_only=False`` uses Python's unpickler, which imports and runs whatever the file names: for files
the user trusts (a whole pickled model). PyTorch's tensor globals still resolve to mytorch's.
"""
from __future__ import annotations

import codecs
import io
import pickle
import struct
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from collections import Counter, OrderedDict
from typing import Any, BinaryIO, Callable

from . import torch_names
from .safe_globals import allowed_by_user

# besides torch_names.GLOBALS: what protocol 2 pickles bytes, sets and complex numbers with
_BUILTINS: dict[str, Any] = {"_codecs.encode": codecs.encode, "builtins.set": set, "builtins.frozenset": frozenset,
                             "builtins.bytearray": bytearray, "builtins.complex": complex,
                             "collections.Counter": Counter}
# globals that may be called or instantiated (torch.Tensor, the storage types and dtypes are values only)
_CALLABLE = {id(f) for f in (*_BUILTINS.values(), OrderedDict, torch_names._rebuild_tensor_v2,
                             torch_names._rebuild_tensor_v3, torch_names._rebuild_parameter,
                             torch_names._rebuild_parameter_with_state,
                             torch_names._rebuild_from_type_v2, torch_names.Device, torch_names.Size,
                             torch_names.sparse_format._rebuild_sparse_tensor, torch_names.sparse_format._get_layout)}


def _stream(data: bytes | BinaryIO) -> BinaryIO:
    """A pickle's bytes as a stream (a stream as is: a file may hold several pickles one after another)."""
    return io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data


def _python3_name(module: str, name: str) -> str:
    """The Python 3 dotted name of a global a protocol-2 pickle may spell the Python 2 way."""
    if (module, name) in NAME_MAPPING:
        module, name = NAME_MAPPING[(module, name)]
    else:
        module = IMPORT_MAPPING.get(module, module)
    return f"{module}.{name}"


def refused(full_name: str, shown: Any) -> pickle.UnpicklingError:
    """The UnpicklingError for a global that weights_only loading does not allow, saying how to allow it."""
    return pickle.UnpicklingError(
        f"Weights only load failed: {shown} names the global {full_name}, which weights_only=True loading "
        f"does not allow (it loads tensors, storages, containers, numbers, strings and dtypes). If you trust "
        f"the source of this file, load it with weights_only=False (which can run arbitrary code from the "
        f"file), or allow this global with mytorch.serialization.add_safe_globals([{full_name}]) or inside "
        f"`with mytorch.serialization.safe_globals([{full_name}]):`.")


def not_in_mytorch(full_name: str, shown: Any) -> pickle.UnpicklingError:
    """The UnpicklingError for a PyTorch global that mytorch has no stand-in for."""
    return pickle.UnpicklingError(
        f"{shown} pickles PyTorch's {full_name}, which mytorch cannot stand in for: mytorch loads PyTorch "
        f"tensors (of mytorch's dtypes), Parameters, state dicts and containers of them. Save "
        f"model.state_dict() from PyTorch instead of the object itself.")


class RestrictedUnpickler:
    """Interprets a pickle allowing only weights (see the module docstring)."""

    def __init__(self, data: bytes | BinaryIO, persistent_load: Callable[[tuple], Any], shown: Any) -> None:
        self.file = _stream(data)  # a stream is read up to the pickle's STOP and left there
        self.persistent_load, self.shown = persistent_load, shown
        self.user = allowed_by_user()
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}

    # ---- reading the stream -------------------------------------------------------------------------
    def _read(self, n: int) -> bytes:
        b = self.file.read(n)
        if len(b) != n:
            raise self._truncated()
        return b

    def _truncated(self) -> pickle.UnpicklingError:
        return pickle.UnpicklingError(f"the pickle of {self.shown} was truncated")

    def _unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]

    def _line(self) -> str:
        line = self.file.readline()
        if not line.endswith(b"\n"):
            raise self._truncated()
        return line[:-1].decode("utf-8")

    def _pop_mark(self) -> list[Any]:
        if not self.marks:
            raise pickle.UnpicklingError("could not find MARK")
        at = self.marks.pop()
        items = self.stack[at:]
        del self.stack[at:]
        return items

    def load(self) -> Any:
        while True:
            op = self.file.read(1)
            if not op:
                raise self._truncated()
            handler = _OPS.get(op[0])
            if handler is None:
                raise pickle.UnpicklingError(f"Unsupported operand {op!r} in the pickle of {self.shown}")
            if handler is _stop:
                return self.stack.pop()
            try:
                handler(self)
            except IndexError:
                raise pickle.UnpicklingError(f"the pickle of {self.shown} is malformed (stack underflow)") from None
            except TypeError as e:  # an unhashable dict key or set item
                raise pickle.UnpicklingError(f"the pickle of {self.shown} is malformed ({e})") from None

    # ---- globals and calls -------------------------------------------------------------------------
    def find_class(self, module: str, name: str) -> Any:
        full = _python3_name(module, name)
        for table in (torch_names.GLOBALS, _BUILTINS, self.user):
            if full in table:
                return table[full]
        if full.startswith("torch."):
            raise not_in_mytorch(full, self.shown)
        raise refused(full, self.shown)

    def _is_allowed_callable(self, f: Any) -> bool:
        return id(f) in _CALLABLE or any(f is g for g in self.user.values())

    def call(self, func: Any, args: Any) -> Any:
        if not self._is_allowed_callable(func) or not isinstance(args, tuple):
            raise pickle.UnpicklingError(f"{self.shown}: the pickle calls {func!r}, which weights_only=True "
                                         "loading does not allow")
        try:
            return func(*args)
        except (TypeError, ValueError) as e:
            raise pickle.UnpicklingError(f"{self.shown}: rebuilding with {getattr(func, '__name__', func)} "
                                         f"failed: {e}") from None

    def build(self, inst: Any, state: Any) -> None:
        if type(inst) is OrderedDict and isinstance(state, dict):
            inst.__dict__.update(state)
        elif isinstance(inst, torch_names.Tensor):
            torch_names.set_obj_state(inst, state)
        elif any(type(inst) is g for g in self.user.values()):
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
                return
            state, slots = state if isinstance(state, tuple) and len(state) == 2 else (state, None)
            inst.__dict__.update(state or {})
            for k, v in (slots or {}).items():
                setattr(inst, k, v)
        else:
            raise pickle.UnpicklingError(f"{self.shown}: the pickle sets the state of a {type(inst).__name__}, "
                                         "which weights_only=True loading does not allow")


def _push(value: Callable[[RestrictedUnpickler], Any]) -> Callable[[RestrictedUnpickler], None]:
    return lambda u: u.stack.append(value(u))


def _stop(u: RestrictedUnpickler) -> None:  # handled in load()
    pass


def _mark(u: RestrictedUnpickler) -> None:
    u.marks.append(len(u.stack))


def _global(u: RestrictedUnpickler) -> None:
    module = u._line()
    u.stack.append(u.find_class(module, u._line()))


def _stack_global(u: RestrictedUnpickler) -> None:
    name, module = u.stack.pop(), u.stack.pop()
    if not (isinstance(module, str) and isinstance(name, str)):
        raise pickle.UnpicklingError("STACK_GLOBAL requires str")
    u.stack.append(u.find_class(module, name))


def _reduce(u: RestrictedUnpickler) -> None:
    args = u.stack.pop()
    u.stack[-1] = u.call(u.stack[-1], args)


def _newobj(u: RestrictedUnpickler) -> None:
    args, cls = u.stack.pop(), u.stack.pop()
    user_class = isinstance(cls, type) and any(cls is g for g in u.user.values())
    if not isinstance(args, tuple) or not (cls is torch_names.Parameter or user_class):
        raise pickle.UnpicklingError(f"{u.shown}: the pickle creates a {cls!r}, which weights_only=True loading "
                                     "does not allow")
    try:
        u.stack.append(cls(*args) if cls is torch_names.Parameter else cls.__new__(cls, *args))
    except (TypeError, ValueError) as e:
        raise pickle.UnpicklingError(f"{u.shown}: creating a {cls.__name__} failed: {e}") from None


def _build(u: RestrictedUnpickler) -> None:
    state = u.stack.pop()
    u.build(u.stack[-1], state)


def _append(u: RestrictedUnpickler) -> None:
    item = u.stack.pop()
    _extend(u, [item])


def _appends(u: RestrictedUnpickler) -> None:
    _extend(u, u._pop_mark())


def _extend(u: RestrictedUnpickler, items: list) -> None:
    if type(u.stack[-1]) is not list:
        raise pickle.UnpicklingError(f"{u.shown}: the pickle appends to a {type(u.stack[-1]).__name__}")
    u.stack[-1].extend(items)


def _setitems_from(u: RestrictedUnpickler, items: list) -> None:
    target = u.stack[-1]
    if type(target) not in (dict, OrderedDict, Counter) or len(items) % 2:
        raise pickle.UnpicklingError(f"{u.shown}: the pickle sets items of a {type(target).__name__}")
    for i in range(0, len(items), 2):
        target[items[i]] = items[i + 1]


def _setitem(u: RestrictedUnpickler) -> None:
    value, key = u.stack.pop(), u.stack.pop()
    _setitems_from(u, [key, value])


def _additems(u: RestrictedUnpickler) -> None:
    items = u._pop_mark()
    if type(u.stack[-1]) is not set:
        raise pickle.UnpicklingError(f"{u.shown}: the pickle adds items to a {type(u.stack[-1]).__name__}")
    u.stack[-1].update(items)


def _tuple_of(n: int) -> Callable[[RestrictedUnpickler], None]:
    def op(u: RestrictedUnpickler) -> None:
        items = tuple(u.stack[-n:]) if n else ()
        del u.stack[len(u.stack) - n:]
        u.stack.append(items)
    return op


def _persid(u: RestrictedUnpickler) -> None:
    pid = u.stack.pop()
    if not (type(pid) is tuple and pid and pid[0] in ("storage", b"storage")):
        raise pickle.UnpicklingError(f"{u.shown}: a persistent id must name a storage, not {pid!r}")
    u.stack.append(u.persistent_load(pid))


def _get(fmt: str) -> Callable[[RestrictedUnpickler], None]:
    def op(u: RestrictedUnpickler) -> None:
        i = u._unpack(fmt)
        if i not in u.memo:
            raise pickle.UnpicklingError(f"{u.shown}: the pickle refers to memo entry {i}, which it never set")
        u.stack.append(u.memo[i])
    return op


def _put(fmt: str) -> Callable[[RestrictedUnpickler], None]:
    def op(u: RestrictedUnpickler) -> None:
        u.memo[u._unpack(fmt)] = u.stack[-1]
    return op


def _memoize(u: RestrictedUnpickler) -> None:
    u.memo[len(u.memo)] = u.stack[-1]


def _text(fmt: str) -> Callable[[RestrictedUnpickler], Any]:
    return lambda u: str(u._read(u._unpack(fmt)), "utf-8", "surrogatepass")


def _bytes(fmt: str) -> Callable[[RestrictedUnpickler], Any]:
    return lambda u: u._read(u._unpack(fmt))


def _long(fmt: str) -> Callable[[RestrictedUnpickler], Any]:
    return lambda u: int.from_bytes(u._read(u._unpack(fmt)), "little", signed=True)


def _pop(u: RestrictedUnpickler) -> None:
    if u.marks and u.marks[-1] == len(u.stack):
        u.marks.pop()
    else:
        u.stack.pop()


_O = pickle
_OPS: dict[int, Callable[[RestrictedUnpickler], None]] = {op[0]: f for op, f in [
    (_O.PROTO, lambda u: u._read(1)), (_O.FRAME, lambda u: u._read(8)), (_O.STOP, _stop), (_O.MARK, _mark),
    (_O.POP, _pop), (_O.POP_MARK, lambda u: u._pop_mark()), (_O.DUP, lambda u: u.stack.append(u.stack[-1])),
    (_O.NONE, _push(lambda u: None)), (_O.NEWTRUE, _push(lambda u: True)), (_O.NEWFALSE, _push(lambda u: False)),
    (_O.BININT, _push(lambda u: u._unpack("<i"))), (_O.BININT1, _push(lambda u: u._unpack("<B"))),
    (_O.BININT2, _push(lambda u: u._unpack("<H"))), (_O.LONG1, _push(_long("<B"))), (_O.LONG4, _push(_long("<i"))),
    (_O.BINFLOAT, _push(lambda u: u._unpack(">d"))),
    (_O.BINUNICODE, _push(_text("<I"))), (_O.SHORT_BINUNICODE, _push(_text("<B"))),
    (_O.BINUNICODE8, _push(_text("<Q"))), (_O.SHORT_BINSTRING, _push(lambda u: u._read(u._unpack("<B")).decode("ascii"))),
    (_O.BINBYTES, _push(_bytes("<I"))), (_O.SHORT_BINBYTES, _push(_bytes("<B"))), (_O.BINBYTES8, _push(_bytes("<Q"))),
    (_O.EMPTY_TUPLE, _tuple_of(0)), (_O.TUPLE1, _tuple_of(1)), (_O.TUPLE2, _tuple_of(2)), (_O.TUPLE3, _tuple_of(3)),
    (_O.TUPLE, lambda u: u.stack.append(tuple(u._pop_mark()))),
    (_O.EMPTY_LIST, _push(lambda u: [])), (_O.APPEND, _append), (_O.APPENDS, _appends),
    (_O.EMPTY_DICT, _push(lambda u: {})), (_O.SETITEM, _setitem), (_O.SETITEMS, lambda u: _setitems_from(u, u._pop_mark())),
    (_O.EMPTY_SET, _push(lambda u: set())), (_O.ADDITEMS, _additems),
    (_O.FROZENSET, lambda u: u.stack.append(frozenset(u._pop_mark()))),
    (_O.BINGET, _get("<B")), (_O.LONG_BINGET, _get("<I")), (_O.BINPUT, _put("<B")), (_O.LONG_BINPUT, _put("<I")),
    (_O.MEMOIZE, _memoize), (_O.GLOBAL, _global), (_O.STACK_GLOBAL, _stack_global), (_O.REDUCE, _reduce),
    (_O.NEWOBJ, _newobj), (_O.BUILD, _build), (_O.BINPERSID, _persid),
]}


class FullUnpickler(pickle.Unpickler):
    """Python's unpickler (runs what the file names: weights_only=False), with PyTorch's tensor globals
    resolved to mytorch's and storages read from the archive."""

    def __init__(self, data: bytes | BinaryIO, persistent_load: Callable[[tuple], Any], shown: Any) -> None:
        super().__init__(_stream(data))
        self._persistent_load, self.shown = persistent_load, shown

    def persistent_load(self, pid: Any) -> Any:
        return self._persistent_load(pid)

    def find_class(self, module: str, name: str) -> Any:
        full = _python3_name(module, name)
        if full in torch_names.GLOBALS:
            return torch_names.GLOBALS[full]
        if full.startswith("torch.") or full == "torch":
            raise not_in_mytorch(full, self.shown)
        return super().find_class(module, name)
