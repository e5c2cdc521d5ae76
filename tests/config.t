# Configuration parsing: defaults, key types, --set overrides, every kind of
# bad input refused with file:line, key and the accepted values (serial).
exec "$(dirname "$0")/tap-mpi" "${SAMARL_BUILD:-build}/tests/test_config" 1
