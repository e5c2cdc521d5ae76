# The kappa-hop halo (tests/test_khop.c) on 1..4 ranks, and its memory guard:
# a small-world graph at kappa = 4 is refused on every rank with one message;
# the kappa-hop policy inputs built on it (tests/test_kinput.c).
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"

# The C test's TAP, renumbered into this stream.
while IFS= read -r line; do
  if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then pass "${BASH_REMATCH[1]}"
  elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then fail "${BASH_REMATCH[1]}"
  elif [[ $line == \#* ]]; then echo "$line"
  fi
done < <(MPIRUN="$MPIRUN" "$(dirname "$0")/tap-mpi" "$SAMARL_BUILD/tests/test_khop" 1 2 3 4)

# kappa-hop policy inputs (tests/test_kinput.c): x_i = a serial
# construction, bit for bit, on 1..4 ranks.
while IFS= read -r line; do
  if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then pass "kinput: ${BASH_REMATCH[1]}"
  elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then fail "kinput: ${BASH_REMATCH[1]}"
  elif [[ $line == \#* ]]; then echo "$line"
  fi
done < <(MPIRUN="$MPIRUN" "$(dirname "$0")/tap-mpi" "$SAMARL_BUILD/tests/test_kinput" 1 2 3 4)

# guard NP SHARE: run the guard mode; every rank's status is in $TMP/out.
KHOP=$SAMARL_BUILD/tests/test_khop
for np in 2 3 4; do
  run_ranks "$np" "$KHOP" guard 0.5
  bad=0
  for ((r = 0; r < np; r++)); do grep -Eq "^rank $r exit 1\$" "$TMP/out" || bad=1; done
  n=$(grep -Ec 'halo\.hops = 4: rank [0-9]+ would hold [0-9]+ ghosts within [0-9] hops?.*[0-9.]+% of the [0-9]+ agents that other ranks own.*halo\.max_ghost_share = 0\.5.*Lower halo\.hops' "$TMP/out")
  if [[ $bad -eq 0 && $n -eq 1 ]]; then pass "np=$np: small world, kappa = 4, share 0.5: every rank exits 1, one message"
  else fail "np=$np: small world, kappa = 4, share 0.5: every rank exits 1, one message (found $n)"; sed 's/^/#   /' "$TMP/out" | tail -8; fi
  run_ranks "$np" "$KHOP" guard 1
  bad=0
  for ((r = 0; r < np; r++)); do grep -Eq "^rank $r exit 0\$" "$TMP/out" || bad=1; done
  if [[ $bad -eq 0 ]] && grep -q "kappa = 4 accepted" "$TMP/out"; then pass "np=$np: ... accepted with halo.max_ghost_share = 1"
  else fail "np=$np: ... accepted with halo.max_ghost_share = 1"; sed 's/^/#   /' "$TMP/out" | tail -8; fi
done
done_testing
