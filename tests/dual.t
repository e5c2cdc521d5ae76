# Dual-update rules: registry, each rule against its formula, checkpoint round trip, on 1..4 ranks.
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_dual" 1 2 3 4
