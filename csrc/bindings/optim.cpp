// Bindings of the fused optimizer updates, with the contract's keyword names (base.Backend.sgd_update & co.).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>

#include <optional>

#include "bindings/registry.h"
#include "optim/updates.h"

namespace nb = nanobind;
using namespace nb::literals;
using namespace mytorch;

namespace {

const Array* ptr(const std::optional<Array>& a) { return a ? &*a : nullptr; }

void bind(nb::module_& m) {
  m.def("sgd_update",
        [](const Array& param, const Array& grad, std::optional<Array> buffer, double lr, double momentum,
           double dampening, bool nesterov, double weight_decay, bool maximize, bool init_buffer) {
          sgd_update(param, grad, ptr(buffer), {lr, momentum, dampening, weight_decay, nesterov, maximize, init_buffer});
        },
        "param"_a, "grad"_a, "momentum_buffer"_a.none(), nb::kw_only(), "lr"_a, "momentum"_a, "dampening"_a,
        "nesterov"_a, "weight_decay"_a, "maximize"_a, "init_buffer"_a);
  m.def("adam_update",
        [](const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq,
           std::optional<Array> max_exp_avg_sq, double beta1, double beta2, double eps, double weight_decay,
           double param_scale, double step_size, double bias_correction2_sqrt, bool maximize) {
          adam_update(param, grad, exp_avg, exp_avg_sq, ptr(max_exp_avg_sq),
                      {beta1, beta2, eps, weight_decay, param_scale, step_size, bias_correction2_sqrt, maximize});
        },
        "param"_a, "grad"_a, "exp_avg"_a, "exp_avg_sq"_a, "max_exp_avg_sq"_a.none(), nb::kw_only(), "beta1"_a,
        "beta2"_a, "eps"_a, "weight_decay"_a, "param_scale"_a, "step_size"_a, "bias_correction2_sqrt"_a,
        "maximize"_a);
  m.def("rmsprop_update",
        [](const Array& param, const Array& grad, const Array& square_avg, std::optional<Array> grad_avg,
           std::optional<Array> momentum_buffer, double lr, double alpha, double eps, double weight_decay,
           double momentum, bool maximize) {
          rmsprop_update(param, grad, square_avg, ptr(grad_avg), ptr(momentum_buffer),
                         {lr, alpha, eps, weight_decay, momentum, maximize});
        },
        "param"_a, "grad"_a, "square_avg"_a, "grad_avg"_a.none(), "momentum_buffer"_a.none(), nb::kw_only(),
        "lr"_a, "alpha"_a, "eps"_a, "weight_decay"_a, "momentum"_a, "maximize"_a);
  m.def("adagrad_update",
        [](const Array& param, const Array& grad, const Array& state_sum, double clr, double eps, double weight_decay,
           bool maximize) { adagrad_update(param, grad, state_sum, {clr, eps, weight_decay, maximize}); },
        "param"_a, "grad"_a, "state_sum"_a, nb::kw_only(), "clr"_a, "eps"_a, "weight_decay"_a, "maximize"_a);
}

RegisterBindings optim_bindings(bind);

}  // namespace
