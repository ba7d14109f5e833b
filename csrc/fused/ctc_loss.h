// ctc_loss and ctc_loss_backward of the backend contract (mytorch/backends/base.py states the math;
// ctc_loss.cpp says how the kernels compute it). float32 and float64.
#pragma once
#include <tuple>

#include "core/array.h"

namespace mytorch {

// (nll (N,), log_alpha (T, N, 2 S + 1)) for log_probs (T, N, C), int64 targets padded (N, S') or concatenated
// (sum of target_lengths,), int64 input_lengths and target_lengths (N,); S is S' or the longest target.
std::tuple<Array, Array> ctc_loss(const Array& log_probs, const Array& targets, const Array& input_lengths,
                                  const Array& target_lengths, int64_t blank);

// d nll / d log_probs (T, N, C) scaled by g (N,), from the forward's nll and log_alpha.
Array ctc_loss_backward(const Array& g, const Array& log_probs, const Array& targets, const Array& input_lengths,
                        const Array& target_lengths, const Array& nll, const Array& log_alpha, int64_t blank,
                        bool zero_infinity);

}  // namespace mytorch
