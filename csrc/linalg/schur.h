// The Schur form of an upper Hessenberg matrix by the QR algorithm (linalg/schur.cpp): the middle step of the
// general eigensolver (linalg/eig.cpp).
#pragma once
#include <complex>
#include <cstdint>

namespace mytorch {

// Francis's implicit double-shift QR on rows and columns ilo..ihi of the real row-major upper Hessenberg h
// (LAPACK's lahqr): h becomes upper quasi-triangular (the real Schur form T: 1x1 blocks for real eigenvalues,
// standardized 2x2 blocks [[a, b], [c, a]], b c < 0, for complex pairs), each rotation also applied to the rows
// ilo..ihi of w (= Z^T: Z's columns as rows, Z <- Z G). (wr, wi) get the eigenvalues ilo..ihi, a complex pair
// with its positive imaginary part first. False if an eigenvalue has not converged within 30 max(10, nh) sweeps.
// A 2x2 block is taken as a real pair, made triangular with its eigenvalues in one order, when lanv2's
// discriminant is at least 4 eps in absolute terms, else its diagonal is equalized first, which may give the other
// order: `unit` is the size in h's units of a 1 in those of the matrix geev iterates on (h was scaled), so that
// the order is LAPACK's at every scale (a 3x3 of norm 2^-52 and one of norm 1 can differ).
bool real_schur(double* h, int64_t n, int64_t ilo, int64_t ihi, double* w, double* wr, double* wi, double unit);

// The complex single-shift QR on rows and columns ilo..ihi of the complex upper Hessenberg h, whose subdiagonal
// is real (LAPACK's lahqr for complex matrices): h becomes upper triangular, its diagonal the eigenvalues
// (in ev), rotations applied to w as above. False on non-convergence.
bool complex_schur(std::complex<double>* h, int64_t n, int64_t ilo, int64_t ihi, std::complex<double>* w,
                   std::complex<double>* ev);

}  // namespace mytorch
