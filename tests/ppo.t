# PPO solves a contextual bandit with a known optimum (DR-v1, one-step
# horizon), and per-agent training gives the same weights on 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
for np in 1 3; do
  if run_np "$np" "$SAMARL_BUILD/tests/test_ppo" >"$TMP/ppo.$np" 2>&1; then
    pass "test_ppo on $np rank(s): all checks pass"
  else
    fail "test_ppo on $np rank(s)"; sed 's/^/#   /' "$TMP/ppo.$np" | tail -20
  fi
  grep '^# \(un\)\?trained' "$TMP/ppo.$np" | head -2
done
c1=$(sed -n 's/^# checksum.*: //p' "$TMP/ppo.1")
c3=$(sed -n 's/^# checksum.*: //p' "$TMP/ppo.3")
if [[ -n $c1 && $c1 == "$c3" ]]; then
  pass "agent 0's trained weights are the same on 1 and 3 ranks ($c1)"
else
  fail "agent 0's weights differ between 1 and 3 ranks ('$c1' vs '$c3')"
fi
done_testing
