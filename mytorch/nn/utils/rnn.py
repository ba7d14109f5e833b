"""Batching variable-length sequences: padding, and PyTorch's packed layout.

A packed batch of B sequences with lengths L_0 >= L_1 >= ... (sorted longest first) stores time step
after time step, each holding only the sequences still running:
    data = [x_0[0], x_1[0], ..., x_{b_0 - 1}[0],  x_0[1], ..., x_{b_1 - 1}[1],  ...]    (sum L_i, *)
    batch_sizes[t] = b_t = #{i : L_i > t}                                             (max L_i,) int64
so step t occupies rows offset_t .. offset_t + b_t of data, offset_t = b_0 + ... + b_{t-1}. When the
caller's batch was not sorted, `sorted_indices` says which of its sequences is the i-th longest and
`unsorted_indices` is the inverse permutation. Packing and unpacking are gathers (an index into the
rows), so gradients flow through them to every element that was kept.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Iterable, Sequence

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.creation import full, tensor
from ...ops.joining import cat, pad, stack

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation p^-1 with p^-1[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    order = permutation.tolist()
    inverse = [0] * len(order)
    for i, p in enumerate(order):
        inverse[p] = i
    return tensor(inverse, dtype=D.int64, device=permutation.device)


def _cast_to(dtype: D.dtype):
    """The PackedSequence method that casts data to dtype (PackedSequence.double, .float, ...)."""
    def cast(self: "PackedSequence") -> "PackedSequence":
        return self.to(dtype=dtype)
    cast.__name__ = cast.__qualname__ = dtype.scalar_name.lower()
    return cast


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A packed batch (see the module docstring): (data, batch_sizes, sorted_indices, unsorted_indices).
    Build it with `pack_padded_sequence` or `pack_sequence`; RNN, LSTM and GRU take and return it."""

    def __new__(cls, data: Tensor | tuple, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), the legacy form
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError("PackedSequence() expects data and batch_sizes, or a (data, batch_sizes) pair")
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                             "created manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn. "
                             "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """data.to(*args, **kwargs); the index tensors follow data's device, batch_sizes stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> "PackedSequence":
        return self.to(device="cpu")

    def cuda(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        return self.to(self.data.cuda(*args, **kwargs).device)

    double, float, half = _cast_to(D.float64), _cast_to(D.float32), _cast_to(D.float16)
    long, int, short, char, byte = (_cast_to(D.int64), _cast_to(D.int32), _cast_to(D.int16), _cast_to(D.int8),
                                    _cast_to(D.uint8))

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _lengths_list(lengths: Sequence[int] | Tensor) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1 or lengths.device.type != "cpu":
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.ndim}D {lengths.device} {lengths.dtype} tensor")
        return [int(n) for n in lengths.tolist()]
    return [int(n) for n in lengths]


def _batch_sizes(lengths: list[int]) -> list[int]:
    """b_t = #{i : L_i > t} for t < max L_i (lengths sorted longest first)."""
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0])]


def packed_rows(batch_sizes: list[int], batch: int, batch_first: bool) -> list[int]:
    """For each row of packed data, in order, its position in the flattened padded tensor: t * B + i, or
    i * T + t with batch_first (T = len(batch_sizes), i the sorted sequence index)."""
    steps = len(batch_sizes)
    return [i * steps + t if batch_first else t * batch + i for t, b in enumerate(batch_sizes) for i in range(b)]


def padded_rows(batch_sizes: list[int], order: list[int], steps: int, batch_first: bool) -> list[int]:
    """For each element of the padded (steps, B) (or (B, steps)) layout, the packed row it reads: the row of
    step t of sorted sequence order[j] in column j, or len(data) (a padding row) past its end."""
    offsets = [0]
    for b in batch_sizes:
        offsets.append(offsets[-1] + b)
    pad_row = offsets[-1]

    def row(t: int, i: int) -> int:
        return offsets[t] + i if t < len(batch_sizes) and i < batch_sizes[t] else pad_row
    if batch_first:
        return [row(t, i) for i in order for t in range(steps)]
    return [row(t, i) for t in range(steps) for i in order]


def pack_padded_sequence(input: Tensor, lengths: Sequence[int] | Tensor, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack input (T, B, *) (or (B, T, *) with batch_first) whose sequence i has lengths[i] valid steps.
    With enforce_sorted the lengths must not increase; otherwise the batch is sorted (longest first, ties in
    their order) and the permutation kept in sorted_indices, so `pad_packed_sequence` restores it."""
    lengths = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if len(lengths) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={input.shape[batch_dim]})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = list(range(len(lengths))), None
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        sorted_indices = tensor(order, dtype=D.int64, device=input.device)
    lengths = [lengths[i] for i in order]
    if lengths and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    steps = input.shape[1 - batch_dim]
    if lengths and lengths[0] > steps:
        raise RuntimeError(f"pack_padded_sequence(): a length of {lengths[0]} exceeds the input's {steps} steps "
                           f"(input of shape {list(input.shape)})")
    if sorted_indices is not None:
        input = input.index_select(batch_dim, sorted_indices)
    batch_sizes = _batch_sizes(lengths) if lengths else []
    rows = packed_rows(batch_sizes, len(lengths), batch_first)
    flat = input.reshape((-1,) + tuple(input.shape[2:]))
    data = flat[tensor(rows, dtype=D.int64, device=input.device)]
    return PackedSequence(data, tensor(batch_sizes, dtype=D.int64), sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of `pack_padded_sequence`: (padded (T, B, *) or (B, T, *), lengths (B,) int64), the batch
    in the caller's original order, steps past a sequence's end equal to padding_value, and T = total_length
    when given (it must be at least the longest length)."""
    data, batch_sizes = sequence.data, [int(b) for b in sequence.batch_sizes.tolist()]
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = batch_sizes[0] if batch_sizes else 0
    unsorted = sequence.unsorted_indices
    order = list(range(batch)) if unsorted is None else [int(i) for i in unsorted.tolist()]
    rows = padded_rows(batch_sizes, order, steps, batch_first)
    filler = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = cat([data, filler])[tensor(rows, dtype=D.int64, device=data.device)]
    padded = padded.reshape(((batch, steps) if batch_first else (steps, batch)) + tuple(data.shape[1:]))
    sorted_lengths = [sum(1 for b in batch_sizes if b > i) for i in range(batch)]
    lengths = tensor([sorted_lengths[i] for i in order], dtype=D.int64)
    return padded, lengths


def pad_sequence(sequences: Iterable[Tensor] | Tensor, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into one (L, B, *) tensor, or (B, L, *) with batch_first, where
    L = max L_i; each is padded with padding_value after its end (``padding_side="right"``) or before
    its start ("left"). The result has the first sequence's dtype; gradients flow to each sequence."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.size(0) for s in sequences)
    dtype = sequences[0].dtype
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        if s.dtype is not dtype:
            s = s.to(dtype)
        if extra:
            # pad lists (before, after) amounts from the last dim backwards: only dim 0 grows
            s = pad(s, (0, 0) * (s.ndim - 1) + ((extra, 0) if padding_side == "left" else (0, extra)),
                    value=padding_value)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Sequence[int] | Tensor, batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded (T, B, *) (or (B, T, *)) batch, sequence i cut to its lengths[i] steps."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): pad_sequence, then pack_padded_sequence with their lengths."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in the caller's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
