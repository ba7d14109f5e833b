// Reductions over any set of axes, arg-reductions and scans along one axis.
#pragma once
#include <vector>

#include "core/array.h"

namespace mytorch {

#define MYTORCH_REDUCE_OPS(X) X(sum) X(prod) X(amax) X(amin) X(any) X(all)
#define MYTORCH_ENUM_ENTRY(name) name,
enum class ReduceOp { MYTORCH_REDUCE_OPS(MYTORCH_ENUM_ENTRY) };
#undef MYTORCH_ENUM_ENTRY

// op over `axes` of a (all distinct, in range). The result has a's dtype (bool for any/all) and a's
// shape without the reduced axes (size 1 there with keepdim). Sums and products accumulate in double
// for floating inputs and in int64 for integers, then round once.
Array reduce(ReduceOp op, const Array& a, const std::vector<int64_t>& axes, bool keepdim);

}  // namespace mytorch
