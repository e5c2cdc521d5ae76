# The environment interface: every registered environment keeps the
# interface's contract (test_envs on 1-4 ranks, with fingerprints that do
# not depend on the rank count); samarl list names them; the template
# environment runs end to end through the engine (run with every dual rule
# it can meet, eval) bit-identically on 1-4 ranks; an unknown env.name is
# refused on every rank with the names it could have been.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
PY=/usr/bin/python3
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut)

"$here/tap-mpi" "$SAMARL_BUILD/tests/test_envs" 1 2 3 4 >"$TMP/contract" 2>&1
while IFS= read -r line; do
  if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then pass "${BASH_REMATCH[1]}"
  elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then fail "${BASH_REMATCH[1]}"
  elif [[ $line =~ ^# ]]; then echo "$line"; fi
done <"$TMP/contract"
for env in dr toy drnet spread robots warehouse ising; do
  like "$env: the same fingerprint on 1, 2, 3 and 4 ranks" \
    <(grep "fingerprint $env " "$TMP/contract" | awk '{print $NF}' | sort | uniq -c) '^ *4 [0-9a-f]{16}$'
done

# ---- samarl list -------------------------------------------------------------
$SAMARL list >"$TMP/list" 2>&1
like "samarl list: env dr, with its description" "$TMP/list" '^env dr — DR-v1 demand response'
like "samarl list: env toy" "$TMP/list" '^env toy — template'
like "samarl list: trainer reinforce" "$TMP/list" '^trainer reinforce — template'
like "samarl list: dual tracking" "$TMP/list" '^dual tracking — '
ok "samarl list: every line is 'KIND NAME — description'" \
  bash -c "! grep -Ev '^(env|trainer|dual) [a-z0-9-]+ — .+' '$TMP/list'"

# ---- the template environment through the engine -------------------------------
TOY=(--set env.name=toy --set policy.type=bestresponse --set graph.type=ring --set graph.k=2
     --set graph.agents=200 --set run.days=2 --set env.capacity_ratio=0.4 --set dual.eta=0.2)
for mode in central consensus tracking; do
  for np in 1 2 3 4; do
    run_np "$np" $SAMARL run -q "${TOY[@]}" --set dual.mode=$mode -o "$TMP/toy_$mode.$np.h5" \
      >"$TMP/toy_$mode.$np.log" 2>&1 || { diag "toy $mode on $np ranks failed"; tail -3 "$TMP/toy_$mode.$np.log"; }
  done
  for np in 2 3 4; do
    ok "toy, dual.mode=$mode: run.h5 on $np ranks = 1 rank, bit for bit" \
      $PY "$here/h5same.py" "$TMP/toy_$mode.1.h5" "$TMP/toy_$mode.$np.h5" "${VOLATILE[@]}"
  done
done
ok "toy: the run file holds the environment's own per-agent table" \
  h5dump -H -d /agents/weight "$TMP/toy_central.1.h5"
result() {
  $PY - "$1" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ok = eval(sys.argv[2], {}, {"r": r})
print({k: r[k] for k in ("avg_slack_ratio", "lambda_final_mean")})
sys.exit(0 if ok else 1)
PYEOF
}
ok "toy, central: the price holds usage at capacity (|slack| <= 5% of C) with lambda > 0" \
  result "$TMP/toy_central.1.json" 'abs(r["avg_slack_ratio"]) <= 0.05 and r["lambda_final_mean"] > 0'
run_np 2 $SAMARL run -q "${TOY[@]}" --set dual.mode=none -o "$TMP/toy_none.h5" >/dev/null 2>&1
ok "toy, none: without a price the agents overdraw (slack > +20% of C)" \
  result "$TMP/toy_none.json" 'r["avg_slack_ratio"] > 0.2'
ok "toy: eval at fixed multipliers" run_np 2 $SAMARL eval "${TOY[@]}" --lambda 0,0.5,1 -o "$TMP/toy.csv"
ok "toy: usage falls as lambda rises" $PY -c "
import csv, sys
rows = list(csv.DictReader(open('$TMP/toy.csv')))
u = [float(r['best_usage']) for r in rows]
sys.exit(0 if len(u) == 3 and u[0] > u[1] > u[2] else 1)"

# ---- training on the template environment, also with the template trainer ------------
# toy's steps are independent (nothing is deferred): gamma 0.95, not the
# default 0.99 that DR-v1's backlog needs, keeps the returns' variance low.
TT=(--set env.name=toy --set graph.agents=8 --set graph.type=ring --set graph.k=1
    --set env.horizon=24 --set train.copies=16 --set train.eval_every=0 --set train.gamma=0.95)
for algo in reinforce ppo; do
  for it in 0 30; do
    run_np 2 $SAMARL train -q "${TT[@]}" --set train.algo=$algo --set train.iterations=$it \
      -o "$TMP/t_$algo$it.h5" >/dev/null 2>&1 || diag "train $algo $it failed"
    run_np 2 $SAMARL eval "${TT[@]}" --policy "$TMP/t_$algo$it.h5" --lambda 0,0.5,1 \
      -o "$TMP/t_$algo$it.csv" >/dev/null 2>&1 || diag "eval $algo $it failed"
  done
done
# curve A B EXPR: the Python expression over a and b (the two CSVs' rows) is true.
curve() {
  $PY - "$1" "$2" "$3" <<'PYEOF'
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
col = lambda rows, k: [float(r[k]) for r in rows]
ok = eval(sys.argv[3], {}, {"a": a, "b": b, "col": col})
print("returns", col(a, "return"), col(b, "return"), "usage", col(b, "usage"))
sys.exit(0 if ok else 1)
PYEOF
}
ok "toy + reinforce: 30 iterations raise the return at lambda = 0, 0.5 and 1" \
  curve "$TMP/t_reinforce0.csv" "$TMP/t_reinforce30.csv" \
  'all(y > x for x, y in zip(col(a, "return"), col(b, "return")))'
ok "toy + reinforce: the trained policy draws less as lambda rises" \
  curve "$TMP/t_reinforce0.csv" "$TMP/t_reinforce30.csv" 'col(b, "usage") == sorted(col(b, "usage"), reverse=True)'
ok "toy + ppo: 30 iterations reach 95% of the best response's return at lambda = 0" \
  curve "$TMP/t_ppo0.csv" "$TMP/t_ppo30.csv" 'col(b, "return")[0] >= 0.95 * col(b, "best_return")[0]'
run_np 2 $SAMARL train -q "${TT[@]}" --set train.algo=reinforce --set train.iterations=15 \
  -o "$TMP/r15.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${TT[@]}" --set train.algo=reinforce --set train.iterations=30 \
  --resume "$TMP/r15.h5" -o "$TMP/r30.h5" >/dev/null 2>&1
# (the first session also evaluated at its last iteration, 15: the curve has one more row)
ok "toy + reinforce: 15 iterations, then --resume to 30 on 3 ranks = 30 at once, bit for bit" \
  $PY "$here/h5same.py" "$TMP/t_reinforce30.h5" "$TMP/r30.h5" @git_sha @config \
  /train/eval_iteration /train/eval_return /train/eval_usage
# The trainer's own [reinforce] section: set from the command line, recorded
# in the policy file, and it changes what is learned.
run_np 2 $SAMARL train -q "${TT[@]}" --set train.algo=reinforce --set train.iterations=4 \
  --set reinforce.normalize=false -o "$TMP/raw.h5" >/dev/null 2>&1
run_np 2 $SAMARL train -q "${TT[@]}" --set train.algo=reinforce --set train.iterations=4 \
  -o "$TMP/norm.h5" >/dev/null 2>&1
ok "toy + reinforce: reinforce.normalize = false is recorded in the policy file" \
  bash -c "h5dump -a /config '$TMP/raw.h5' | grep -q 'normalize = false'"
ok "... and learns other weights than the normalised returns" \
  bash -c "! h5diff -q '$TMP/raw.h5' '$TMP/norm.h5' /params /params"
expect_error "an unknown key of the trainer's section is refused, naming its keys" 2 \
  "reinforce.*normalise.*normalize|normalise.*reinforce" \
  $SAMARL train "${TT[@]}" --set train.algo=reinforce --set reinforce.normalise=true -o "$TMP/x.h5"
for np in 1 3; do
  run_np $np $SAMARL run -q "${TT[@]}" --set run.days=1 --policy "$TMP/t_ppo30.h5" \
    -o "$TMP/tr.$np.h5" >/dev/null 2>&1
done
ok "toy: a trained policy runs, bit-identical on 1 and 3 ranks" \
  $PY "$here/h5same.py" "$TMP/tr.1.h5" "$TMP/tr.3.h5" "${VOLATILE[@]}"

# Every program knows the sections trainers and environments declare.
$SAMARL config --set graph.agents=50 --set reinforce.normalize=false >"$TMP/all.ini"
ok "samarl-partition reads a config with the trainers' sections" \
  $PARTITION -c "$TMP/all.ini" --parts 2 -o "$TMP/p.h5"
ok "... and records them" bash -c "h5dump -a /config '$TMP/p.h5' | grep -q 'normalize = false'"

# ---- bad input --------------------------------------------------------------------
expect_error "an unknown env.name is refused on every rank, naming the choices" 2 \
  "env.name = 'nope' is not an environment; expected one of: dr, toy" \
  $SAMARL run "${TOY[@]}" --set env.name=nope -o "$TMP/x.h5"
ok "... and leaves no output" test ! -e "$TMP/x.h5"
expect_error "samarl config refuses an unknown env.name too" 1 \
  "env.name = 'nope' is not an environment" $SAMARL config --set env.name=nope
expect_error "--dry-run refuses an unknown train.algo" 1 \
  "train.algo = 'nope' is not a trainer" $SAMARL train --set train.algo=nope --dry-run
expect_error "an unknown train.algo is refused before any set-up, naming the trainers" 2 \
  "train.algo = 'nope' is not a trainer; expected one of: ppo, mappo-l, reinforce" \
  $SAMARL train "${TT[@]}" --set train.algo=nope -o "$TMP/x.h5"
expect_error "an unknown dual.mode is refused on every rank, naming the rules" 2 \
  "dual.mode = 'pushsum' is not a dual rule; expected one of: consensus, consensus-paper, tracking, tracking-ratio, local, central, sampled, feeder, local-cost, fixed, none" \
  $SAMARL run "${TOY[@]}" --set dual.mode=pushsum -o "$TMP/x.h5"

done_testing
