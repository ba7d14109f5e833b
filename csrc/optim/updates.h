// Fused optimizer updates: one pass over a parameter and its state buffers per step.
//
// The math of each is in the docstring of the same method of mytorch/backends/base.py. Every
// operation is rounded as PyTorch's single-tensor optimizers round it, in their order (this folder is
// compiled without contracting a * b + c into one fused multiply-add), so a step equals theirs to the
// last bit in float32 and float64. Absent buffers (no momentum, no amsgrad, ...) are null.
#pragma once
#include "core/array.h"

namespace mytorch {

struct SgdOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, init_buffer;
};
struct AdamOptions {
  double beta1, beta2, eps, weight_decay, param_scale, step_size, bias_correction2_sqrt;
  bool maximize;
};
struct RmspropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool maximize;
};
struct AdagradOptions {
  double clr, eps, weight_decay;
  bool maximize;
};

void sgd_update(const Array& param, const Array& grad, const Array* momentum_buffer, const SgdOptions& o);
void adam_update(const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq,
                 const Array* max_exp_avg_sq, const AdamOptions& o);
void rmsprop_update(const Array& param, const Array& grad, const Array& square_avg, const Array* grad_avg,
                    const Array* momentum_buffer, const RmspropOptions& o);
void adagrad_update(const Array& param, const Array& grad, const Array& state_sum, const AdagradOptions& o);

}  // namespace mytorch
