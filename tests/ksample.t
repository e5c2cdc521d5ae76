# Exact k-of-n subsampling (src/graph/ksample.c, seed 002's global agent):
# distinct agents, the same on every rank, uniform over the k-subsets, the
# count vector exact under a scattered ownership at n = 1000 and 10^6, bad
# k refused; on 1-4 ranks (tests/test_ksample.c).
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_ksample" 1 2 3 4
