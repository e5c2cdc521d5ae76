# The TRPO step (src/train/trpo.c): Fisher-vector products against finite
# differences of the mean KL, conjugate gradient on a known SPD system,
# the line search's rejection of a step that breaks the KL bound, and an
# accepted step within it (tests/test_trpo.c; one rank: no communication).
source "$(dirname "$0")/lib.sh"
if run_np 1 "$SAMARL_BUILD/tests/test_trpo" >"$TMP/trpo.out" 2>&1; then
  pass "test_trpo: all checks pass"
else
  fail "test_trpo"
fi
sed 's/^/#   /' "$TMP/trpo.out" | tail -12
done_testing
