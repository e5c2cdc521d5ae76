# Halo exchange vs a serial sparse mat-vec on every generator and a real grid, 1..4 ranks.
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_halo" 1 2 3 4
