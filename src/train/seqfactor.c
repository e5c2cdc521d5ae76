/* The sequential update's factor (seqfactor.h). */
#include "seqfactor.h"

#include <math.h>

int64_t seqf_log(double log_ratio)
{
    const double v = log_ratio * SEQF_ONE;
    if (v >= (double)SEQF_MAX) return SEQF_MAX;
    if (v <= -(double)SEQF_MAX) return -SEQF_MAX;
    return llround(v);
}

int64_t seqf_add(int64_t a, int64_t b, int64_t *clamps)
{
    int64_t v;
    if (__builtin_add_overflow(a, b, &v)) v = a > 0 ? INT64_MAX : INT64_MIN; /* 2^62 + 2^62 */
    if (v > SEQF_MAX || v < -SEQF_MAX) {
        v = v > 0 ? SEQF_MAX : -SEQF_MAX;
        if (clamps) ++*clamps;
    }
    return v;
}

int64_t seqf_term(double x, int64_t bound, int64_t *clamps)
{
    const double v = x * SEQF_ONE;
    if (v > (double)bound || v < -(double)bound) {
        if (clamps) ++*clamps;
        return v > 0 ? bound : -bound;
    }
    return llround(v);
}

void seqf_weights(int mode, const int64_t *L, int S, float *w, double *max_factor,
                  double *max_weight)
{
    double mf = 0, mw = 0, lmax = -INFINITY;
    for (int s = 0; s < S; s++) {
        const double l = (double)L[s] / SEQF_ONE;
        if (l > lmax) lmax = l;
        const double f = exp(l > 80 ? 80 : l < -80 ? -80 : l);
        double v = f;
        switch (mode) {
        case SEQF_NONE:
            v = 1;
            break;
        case SEQF_CLIP1:
            v = f > 1 ? 1 : f;
            break;
        default:
            break;
        }
        w[s] = (float)v;
        if (v > mw) mw = v;
    }
    mf = S > 0 ? exp(lmax) : 0;
    *max_factor = mf;
    *max_weight = mw;
}
