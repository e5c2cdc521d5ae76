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
for env in dr toy; do
  like "$env: the same fingerprint on 1, 2, 3 and 4 ranks" \
    <(grep "fingerprint $env " "$TMP/contract" | awk '{print $NF}' | sort | uniq -c) '^ *4 [0-9a-f]{16}$'
done

# ---- samarl list -------------------------------------------------------------
$SAMARL list >"$TMP/list" 2>&1
like "samarl list: env dr, with its description" "$TMP/list" '^env dr — DR-v1 demand response'
like "samarl list: env toy" "$TMP/list" '^env toy — template'
ok "samarl list: every line is 'KIND NAME — description'" \
  bash -c "! grep -Ev '^(env|trainer) [a-z0-9-]+ — .+' '$TMP/list'"

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

# ---- bad input --------------------------------------------------------------------
expect_error "an unknown env.name is refused on every rank, naming the choices" 2 \
  "env.name = 'nope' is not an environment; expected one of: dr, toy" \
  $SAMARL run "${TOY[@]}" --set env.name=nope -o "$TMP/x.h5"
ok "... and leaves no output" test ! -e "$TMP/x.h5"

done_testing
