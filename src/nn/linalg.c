/* Dense products through CBLAS (see linalg.h). */
#include "samarl/linalg.h"

#include <cblas.h>

/* Single-threaded BLAS: ranks are the parallelism, and a product's bits must
 * not depend on how many threads split it. */
static void single_thread(void)
{
    static int done;
    if (!done) {
        openblas_set_num_threads(1);
        done = 1;
    }
}

void linalg_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    single_thread();
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

void linalg_sgemv(int trans, int m, int n, float alpha, const float *A, int lda, const float *x,
                  float beta, float *y)
{
    single_thread();
    cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, A, lda, x, 1, beta,
                y, 1);
}
