# Policy network gradients, log-softmax, Adam, environment bookkeeping.
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_policy" 1
