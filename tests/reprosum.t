# Reproducible sums on 1..4 ranks.
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_reprosum" 1 2 3 4
