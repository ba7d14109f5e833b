// LSTM and GRU cells of the backend contract (mytorch/backends/base.py states the math and the
// workspace layouts): the elementwise part of one time step, after the matmuls. Every floating dtype;
// half types are computed in float32. Operands may be strided views.
#pragma once
#include <tuple>

#include "core/array.h"

namespace mytorch {

// (h, c_new, workspace) from gates (B, 4H) and c (B, H); workspace (B, 4H) = (i, f, g, o).
std::tuple<Array, Array, Array> lstm_cell(const Array& gates, const Array& c);
// (dgates (B, 4H), dc_prev (B, H)).
std::tuple<Array, Array> lstm_cell_backward(const Array& dh, const Array& dc, const Array& c, const Array& c_new,
                                            const Array& workspace);
// (h_new, workspace) from gx, gh (B, 3H) and h (B, H); workspace (B, 4H) = (r, z, n, gh_n).
std::tuple<Array, Array> gru_cell(const Array& gx, const Array& gh, const Array& h);
// (dgx (B, 3H), dgh (B, 3H), dh_direct (B, H)).
std::tuple<Array, Array, Array> gru_cell_backward(const Array& dh, const Array& h, const Array& workspace);

}  // namespace mytorch
