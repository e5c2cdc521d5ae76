# The MPE simple_spread world (src/env/spread.c) against hand-computed
# steps (damping, both integration orders, a boundary-free drift, the
# softplus contact force, contact kept by agents pushing together, rewards
# and collision costs) and a random policy's return against PettingZoo's
# published -115.6 (tests/test_spread.c; one rank: no communication).
source "$(dirname "$0")/lib.sh"
if run_np 1 "$SAMARL_BUILD/tests/test_spread" >"$TMP/spread.out" 2>&1; then
  pass "test_spread: all checks pass"
else
  fail "test_spread"
fi
sed 's/^/#   /' "$TMP/spread.out" | tail -16
done_testing
