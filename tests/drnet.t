# DR-net (env.name = drnet, src/env/drnet.c): DR-v1 households under local
# feeder limits on the graph. Its cost channel against a serial reference
# on every test graph, 1-4 ranks (tests/test_drnet.c); samarl run with the
# yardstick (best response + dual.mode = feeder): bit-identical on 1-4
# ranks, its summary and the rule's prices recomputed from the run file's
# trajectories (tests/drnet_check.py), and the rule holding the feeder
# limits that the unpriced run breaks; what cannot run it is refused.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut)

while IFS= read -r line; do
  if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then pass "${BASH_REMATCH[1]}"
  elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then fail "${BASH_REMATCH[1]}"
  elif [[ $line == \#* ]]; then echo "$line"
  fi
done < <(MPIRUN="$MPIRUN" "$here/tap-mpi" "$SAMARL_BUILD/tests/test_drnet" 1 2 3 4)

# ---- the yardstick: best response + feeder ---------------------------------------
NET=(--set env.name=drnet --set policy.type=bestresponse --set graph.type=ring --set graph.k=2
     --set graph.agents=60 --set run.days=3 --set dual.mode=feeder --set dual.eta=0.05
     --set dual.lambda0=0.01 --set dual.epoch=3 --set env.feeder_ratio=1.2)
for np in 1 2 3 4; do
  run_np $np $SAMARL run -q "${NET[@]}" -o "$TMP/f$np.h5" >"$TMP/f$np.log" 2>&1 ||
    { diag "np=$np failed"; tail -5 "$TMP/f$np.log"; }
done
ok "drnet + feeder: the run file holds the feeder summary" \
  bash -c "h5dump -a /summary/feeder_violation_mean $TMP/f1.h5 | grep -q '(0)'"
for np in 2 3 4; do
  ok "drnet + feeder: run.h5 on $np ranks = 1 rank, bit for bit" \
    $PY "$here/h5same.py" "$TMP/f1.h5" "$TMP/f$np.h5" "${VOLATILE[@]}"
done
$PY "$here/drnet_check.py" "$TMP/f3.h5" 2 1.2 0.05 0.01 3 >"$TMP/check" 2>&1
relay "recomputed (3 ranks)" <"$TMP/check"
ok "the recomputation ran to the end" grep -qx DONE "$TMP/check"

# The prices hold the feeder limits that an unpriced grid breaks: 256 agents,
# 28 days, violations over the second half.
BIG=(--set env.name=drnet --set policy.type=bestresponse --set graph.type=ring --set graph.k=2
     --set graph.agents=256 --set run.days=28)
run_np 2 $SAMARL run -q "${BIG[@]}" --set dual.mode=none -o "$TMP/none.h5" >/dev/null 2>&1
run_np 2 $SAMARL run -q "${BIG[@]}" --set dual.mode=feeder --set dual.eta=0.05 -o "$TMP/feed.h5" >/dev/null 2>&1
ok "unpriced (dual.mode = none): the feeders are over their limit (violation mean >= 5%)" \
  $PY -c "import json,sys; r=json.load(open('$TMP/none.json'))['results']; print(r); sys.exit(r['feeder_violation_mean'] < 0.05)"
ok "feeder: mean violation <= 1% of F, every agent <= 5%, demand served >= 99%" \
  $PY -c "import json,sys; r=json.load(open('$TMP/feed.json'))['results']; print(r); sys.exit(not (r['feeder_violation_mean'] <= 0.01 and r['feeder_violation_max'] <= 0.05 and r['fulfilled'] >= 0.99))"

# ---- refusals ----------------------------------------------------------------------
expect_error "dual.mode = feeder on an environment without a local cost" 2 \
  "dual.mode = feeder steps on cost channel 1.*env.name = dr has none.*use env.name = drnet" \
  $SAMARL run -q --set policy.type=bestresponse --set graph.agents=32 --set dual.mode=feeder -o "$TMP/x.h5"
ok "... and it left no output" test ! -e "$TMP/x.h5"
expect_error "a trainer that ignores the feeder costs is refused, naming what it cannot do" 2 \
  "train.algo = ppo cannot train env.name = drnet: the environment has costs that read its graph neighbours" \
  $SAMARL train -q --set env.name=drnet --set graph.agents=16 -o "$TMP/p.h5"
ok "... and it left no output" test ! -e "$TMP/p.h5"
expect_error "samarl eval refuses drnet and points to samarl run" 2 \
  "samarl eval .*env.name = drnet has costs that read graph neighbours: evaluate it with samarl run" \
  $SAMARL eval -q --set env.name=drnet --set policy.type=bestresponse --set graph.agents=16 -o "$TMP/e.h5"
done_testing
