# Environment for the test suite (sourced by tests and the TAP drivers).
# Tests run from the repository root.
export SAMARL_BUILD=${SAMARL_BUILD:-build}
export SAMARL_SHARED=${SAMARL_SHARED:-../shared}
MPIRUN=${MPIRUN:-mpirun}
# Ranks beyond the core count are fine for correctness tests.
export OMPI_MCA_rmaps_base_oversubscribe=1
# Root in CI and containers.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Quiet Open MPI's hints about transports this machine does not have.
export OMPI_MCA_btl_base_warn_component_unused=0
export OPENBLAS_NUM_THREADS=1
# Hang guards: tests wrap commands in `timeout $(tlimit SECONDS)`.
# SAMARL_TEST_SLOW (a whole factor, default 1) stretches every guard for a
# slow build; `make asan` sets it. No check depends on how fast anything runs.
tlimit() { echo $(($1 * ${SAMARL_TEST_SLOW:-1})); }
