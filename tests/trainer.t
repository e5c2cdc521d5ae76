# The surrogate's per-sample weights, and the trainer registry
# (include/samarl/trainer.h): it lists ppo and mappo-l
# and nothing finds an unknown name; every trainer, driven only through the
# interface, trains a tiny case with the same bits on 1 and 3 ranks
# (tests/test_trainer.c); samarl train refuses an unknown train.algo on
# every rank, naming the ones there are.
source "$(dirname "$0")/lib.sh"
for np in 1 3; do
  if run_np "$np" "$SAMARL_BUILD/tests/test_trainer" >"$TMP/tr.$np" 2>&1; then
    pass "test_trainer on $np rank(s): registry, operations, tiny trainings"
  else
    fail "test_trainer on $np rank(s)"; sed 's/^/#   /' "$TMP/tr.$np" | tail -20
  fi
done
for c in "ppo agent" "ppo shared" "mappo-l agent" "mappo-l shared" "reinforce agent" "reinforce shared"; do
  c1=$(sed -n "s/^# checksum $c: //p" "$TMP/tr.1")
  c3=$(sed -n "s/^# checksum $c: //p" "$TMP/tr.3")
  if [[ -n $c1 && $c1 == "$c3" ]]; then pass "$c: the same bits on 1 and 3 ranks ($c1)"
  else fail "$c: differs between 1 and 3 ranks ('$c1' vs '$c3')"; fi
done
expect_error "samarl train refuses an unknown train.algo, naming the trainers" 2 \
  "train.algo = 'nope' is not a trainer; expected one of: ppo, mappo-l, reinforce" \
  $SAMARL train -q --set graph.agents=4 --set train.algo=nope -o "$TMP/x.h5"
done_testing
