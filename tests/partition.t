# Partition statistics, METIS, distribution and halo plan on 1..4 ranks.
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_partition" 1 2 3 4
