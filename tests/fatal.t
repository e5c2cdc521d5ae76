# Internal errors and failing MPI calls: one failing rank takes the whole job
# down with one "[rank] time file:function():line message", and temporary
# output goes. (A rank killed from outside: restart.t.)
source "$(dirname "$0")/lib.sh"
bin=$SAMARL_BUILD/tests/test_fatal
for np in 1 2 3; do
  rm -f "$TMP/partial"
  timeout "$(tlimit 60)" $MPIRUN -np $np "$bin" "$TMP/partial" >"$TMP/out" 2>&1
  rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] && pass "np=$np: the job fails (status $rc), it does not hang" \
    || fail "np=$np: the job fails (status $rc), it does not hang"
  culprit=$((np > 1 ? 1 : 0))
  like "np=$np: [rank] time file:function():line message" "$TMP/out" \
    "^\[$culprit\] [0-9.]+s tests/test_fatal\.c:main\(\):[0-9]+ deliberate failure for the test \(42\)"
  n=$(grep -c "deliberate failure" "$TMP/out")
  [[ $n -eq 1 ]] && pass "np=$np: the message appears once" || fail "np=$np: the message appears $n times"
  if grep -q unreachable "$TMP/out"; then fail "np=$np: no rank went on"; else pass "np=$np: no rank went on"; fi
  [[ ! -e $TMP/partial ]] && pass "np=$np: the registered temporary file was removed" \
    || fail "np=$np: the registered temporary file was removed"
done
# An MPI call that fails on one rank (MPI_ERRORS_RETURN, then samarl's check).
for np in 1 3; do
  rm -f "$TMP/partial"
  timeout 60 $MPIRUN -np $np "$bin" "$TMP/partial" mpi >"$TMP/out" 2>&1
  rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] && pass "np=$np, failing MPI call: the job fails (status $rc), no hang" \
    || fail "np=$np, failing MPI call: the job fails (status $rc), no hang"
  culprit=$((np > 1 ? 1 : 0))
  like "np=$np, failing MPI call: named, with MPI's reason" "$TMP/out" \
    "^\[$culprit\] [0-9.]+s src/core/comm\.c:[a-z_]+\(\):[0-9]+ MPI_Bcast.* failed: .*root"
  if grep -q "deliberate failure" "$TMP/out"; then fail "np=$np: stopped at the MPI call"; else pass "np=$np: stopped at the MPI call"; fi
  if grep -q unreachable "$TMP/out"; then fail "np=$np: no rank went on"; else pass "np=$np: no rank went on"; fi
  [[ ! -e $TMP/partial ]] && pass "np=$np, failing MPI call: the temporary file was removed" \
    || fail "np=$np, failing MPI call: the temporary file was removed"
done
done_testing
