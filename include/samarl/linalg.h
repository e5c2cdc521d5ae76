/* Dense float32 products, row-major: the one module that calls BLAS
 * (OpenBLAS's CBLAS), so that the choice of library and the rule that keeps
 * its results reproducible (one thread: a product's bits must not depend on
 * a thread split) live in one place. Not collective. */
#ifndef SAMARL_LINALG_H
#define SAMARL_LINALG_H

/* C[m][n] = alpha op(A) op(B) + beta C, op(X) = X or X^T (trans_* != 0):
 * op(A) is m x k, op(B) k x n, with leading dimensions lda, ldb, ldc. */
void linalg_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc);
/* y = alpha op(A) x + beta y for A[m][n] (op(A) = A^T with trans != 0),
 * unit strides. */
void linalg_sgemv(int trans, int m, int n, float alpha, const float *A, int lda, const float *x,
                  float beta, float *y);

#endif
