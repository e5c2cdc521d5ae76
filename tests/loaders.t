# Graph loaders (METIS, edge list), graph_validate, the nodes CSV and the
# env.profiles loaders: good inputs accepted, each malformed input refused
# with file:line and what was expected (serial).
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_loaders" 1
