# ALTERNATING-MARL with networks on the warehouse task (seed 002's
# continuous setting; src/train/altmarl_fa.c, src/env/warehouse.c,
# src/nn/tmlp.c): the small networks' gradients against finite
# differences, the task's definitions, a short training that learns, the
# same bits on 1-4 ranks (tests/test_altmarl_fa.c); then through samarl
# train (train.algo = altmarl-fa, env.name = warehouse): the policy file the
# same on 1-4 ranks, --resume bit for bit, and the wrong trainer or
# environment refused on every rank.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
ranks_checksum "$SAMARL_BUILD/tests/test_altmarl_fa" altmarl-fa "the training"
grep -E '^ok ' "$TMP/a.1" | sed 's/^/#   /'

VOLATILE=(/timers /summary@wall_s /@n_ranks /graph/partition /graph@edge_cut)
same() { $PY "$here/h5same.py" "$@"; }
WH=(--set env.name=warehouse --set train.algo=altmarl-fa --set graph.agents=300 --set graph.type=ring
    --set altmarl_fa.k=10 --set altmarl_fa.hidden=16 --set altmarl_fa.g_samples=200
    --set altmarl_fa.l_episodes=8 --set altmarl_fa.judge_rollouts=2 --set train.eval_every=1
    --set train.eval_copies=2 --set env.horizon=20)
for np in 1 2 3 4; do
  run_np $np $SAMARL train -q "${WH[@]}" --set train.iterations=3 -o "$TMP/wh$np.h5" >"$TMP/wh$np.log" 2>&1 ||
    { diag "altmarl-fa on $np ranks failed"; tail -3 "$TMP/wh$np.log"; }
done
like "samarl train: three rounds and their values" "$TMP/wh1.log" 'altmarl-fa: 3 round\(s\), values'
for np in 2 3 4; do
  ok "samarl train: the policy file on $np ranks = 1 rank's, bit for bit" \
    same "$TMP/wh1.h5" "$TMP/wh$np.h5" "${VOLATILE[@]}"
done
ok "the file holds the three networks, their Adam state and the rounds' values" \
  $PY - "$TMP/wh1.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
H = 16
assert f["altmarl_fa/dispatcher"].shape == (5 * H + H + H * H + H + H * 5 + 5,)
assert f["altmarl_fa/policy"].shape == (2 * H + H + H * H + H + H * 3 + 3,)
assert f["altmarl_fa/values"].shape == (3,) and f.attrs["n_nets"] == 0
assert f["altmarl_fa"].attrs["adam_step_dispatcher"] == 3 * 20
PYEOF
run_np 2 $SAMARL train -q "${WH[@]}" --set train.iterations=2 -o "$TMP/wh2r.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${WH[@]}" --set train.iterations=3 --resume "$TMP/wh2r.h5" \
  -o "$TMP/wh3r.h5" >/dev/null 2>&1
ok "--resume: 2 rounds on 2 ranks then 1 more on 3 = 3 uninterrupted, bit for bit" \
  same "$TMP/wh1.h5" "$TMP/wh3r.h5" "${VOLATILE[@]}" /@config
expect_error "altmarl-fa on the tabular task says so and names the trainer that can" 2 \
  "cannot train env.name = robots: .*tabular model.*trainers that can: altmarl" \
  $SAMARL train -q "${WH[@]}" --set env.name=robots -o "$TMP/bad.h5"
expect_error "altmarl on the continuous task says so and names altmarl-fa" 2 \
  "cannot train env.name = warehouse: .*continuous states.*trainers that can: altmarl-fa" \
  $SAMARL train -q "${WH[@]}" --set train.algo=altmarl -o "$TMP/bad.h5"
expect_error "k > n is refused" 2 "altmarl_fa.k" \
  $SAMARL train -q "${WH[@]}" --set altmarl_fa.k=301 -o "$TMP/bad.h5"
ok "... and nothing is written" test ! -e "$TMP/bad.h5"
expect_error "more rounds than its evaluation seeds number is refused" 2 \
  "judges round r at evaluation seed r: train.iterations = 300000, expected fewer than 262144" \
  $SAMARL train -q "${WH[@]}" --set train.iterations=300000 -o "$TMP/bad.h5"
done_testing
