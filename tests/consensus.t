# Consensus: weights, sigma vs LAPACK, envelope, exact average, tracking, on 1..4 ranks.
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_consensus" 1 2 3 4
