/* What this CPU can run: the choice of the MLP kernel (policy.kernel), kept
 * below both the configuration (which checks it) and the networks (which
 * use it). */
#ifndef SAMARL_CPU_H
#define SAMARL_CPU_H

/* policy.kernel's values. */
typedef enum { KERNEL_AUTO, KERNEL_AVX512, KERNEL_BLAS } kernel_t;

/* Whether this CPU (and this build) runs the AVX-512 kernel. */
int cpu_has_avx512(void);
/* The kernel (a kernel_t) that
 * `kernel` means here, into *resolved; SAMARL_ERR with a message when the
 * CPU cannot run the one asked for. Not collective. */
int cpu_kernel_resolve(int kernel, int *resolved);

#endif
