/* CPU features and the MLP kernel they allow (see cpu.h). */
#include "samarl/cpu.h"

#include "samarl/error.h"

int cpu_has_avx512(void)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
    return 0; /* the AVX-512 kernel is built only by gcc on x86-64 */
#endif
}

int cpu_kernel_resolve(int kernel, int *resolved)
{
    if (kernel == KERNEL_AUTO) kernel = cpu_has_avx512() ? KERNEL_AVX512 : KERNEL_BLAS;
    if (kernel == KERNEL_AVX512 && !cpu_has_avx512())
        return samarl_seterr("avx512 needs a CPU (and a build) with AVX-512F/DQ; expected auto "
                             "or blas on this machine");
    *resolved = kernel;
    return SAMARL_OK;
}
