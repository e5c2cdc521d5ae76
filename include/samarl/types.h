/* Index types shared by every module: global agent ids and local indices. */
#ifndef SAMARL_TYPES_H
#define SAMARL_TYPES_H

#include <stdint.h>
#include <inttypes.h>

/* Global agent id, 0..N-1 as given by the graph. 64-bit so that agent counts
 * and edge offsets never overflow at cluster scale. */
typedef int64_t gidx_t;
#define PRIdG PRId64

/* Index into a rank's local arrays (owned agents first, then ghosts). A rank
 * holds far fewer than 2^31 agents, and 32 bits halve the index traffic in
 * the sparse kernels. */
typedef int32_t lidx_t;

#endif
