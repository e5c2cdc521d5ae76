# Graph generators and CSR assembly (serial).
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_graph" 1
