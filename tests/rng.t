# Counter-based RNG (serial).
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_rng" 1
