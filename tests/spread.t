# The MPE simple_spread world (src/env/spread.c) against hand-computed
# steps (damping, both integration orders, a boundary-free drift, the
# softplus contact force, contact kept by agents pushing together, rewards
# and collision costs) and a random policy's return against PettingZoo's
# published -115.6; env.name = spread with its copies split across 1 and 3
# ranks, every copy the world stepped directly (tests/test_spread.c); what
# does not run it yet says so.
source "$(dirname "$0")/lib.sh"
for np in 1 3; do
  if run_np $np "$SAMARL_BUILD/tests/test_spread" >"$TMP/spread.$np" 2>&1; then
    pass "test_spread on $np rank(s): all checks pass"
  else
    fail "test_spread on $np rank(s)"
  fi
done
sed 's/^/#   /' "$TMP/spread.1" | grep -v checksum | tail -18
c1=$(sed -n 's/^# spread env checksum: //p' "$TMP/spread.1" | head -1)
c3=$(sed -n 's/^# spread env checksum: //p' "$TMP/spread.3" | head -1)
if [[ -n $c1 && $c1 == "$c3" ]]; then
  pass "spread's copies give the same returns on 1 and 3 ranks ($c1)"
else
  fail "spread's returns differ between 1 and 3 ranks ('$c1' vs '$c3')"
fi
expect_error "samarl train refuses spread until the trainers run copies" 2 \
  "env.name = spread declares joint copies split across ranks.*do not support yet" \
  $SAMARL train -q --set env.name=spread --set graph.agents=8 -o "$TMP/sp.h5"
ok "... and writes nothing" test ! -e "$TMP/sp.h5"
expect_error "spread.version names the versions there are" 1 "spread.version" \
  $SAMARL train -q --set env.name=spread --set spread.version=4 -o "$TMP/sp.h5"
done_testing
