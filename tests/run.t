# samarl run end to end: the dual modes reproduce the design's physics on 256
# agents with the best-response policy (independent learners postpone, the
# uncoordinated grid overloads, consensus and the central oracle serve
# everyone within capacity), run.h5 is bit-identical on 1-4 ranks, its schema
# and numbers hold together, trained policies run, and bad input is refused.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
BR=(--set policy.type=bestresponse --set graph.agents=256 --set graph.type=ring --set graph.k=2)
# result FILE.json EXPR: passes when the Python expression over r (the JSON
# "results") is true; prints the values it used on failure.
result() {
  local d=$1 f=$2 e=$3
  if $PY - "$f" "$e" >"$TMP/res" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ok = eval(sys.argv[2], {}, {"r": r})
print({k: r[k] for k in ("avg_slack_ratio", "fulfilled", "postponers", "lambda_final_mean",
                         "disagreement_mean", "disagreement_bound") if k in r})
sys.exit(0 if ok else 1)
EOF
  then pass "$d"; else fail "$d"; sed 's/^/#   /' "$TMP/res"; fi
}

# ---- the physics of the modes (DESIGN.md §3, §5) ----------------------------------
for mode in none local central consensus tracking; do
  run_np 2 $SAMARL run -q "${BR[@]}" --set dual.mode=$mode -o "$TMP/$mode.h5" >"$TMP/$mode.log" 2>&1 ||
    { diag "run $mode failed"; tail -5 "$TMP/$mode.log"; }
done
result "none: the uncoordinated grid exceeds capacity by >= 20%" "$TMP/none.json" \
  'r["avg_slack_ratio"] >= 0.20 and r["fulfilled"] >= 0.99'
result "local: >= 10% of agents postpone, fulfilment <= 0.97, slack <= 0" "$TMP/local.json" \
  'r["postponers"] >= 0.10 and r["fulfilled"] <= 0.97 and r["avg_slack_ratio"] <= 0'
result "local: the postponers' backlog is still growing" "$TMP/local.json" 'r["backlog_growth"] > 0'
result "consensus (K=5, ring k=2): fulfilment >= 0.99, slack <= +0.01 C" "$TMP/consensus.json" \
  'r["fulfilled"] >= 0.99 and r["avg_slack_ratio"] <= 0.01'
result "central: fulfilment >= 0.99, slack <= +0.01 C" "$TMP/central.json" \
  'r["fulfilled"] >= 0.99 and r["avg_slack_ratio"] <= 0.01'
result "tracking: fulfilment >= 0.99, slack <= +0.01 C" "$TMP/tracking.json" \
  'r["fulfilled"] >= 0.99 and r["avg_slack_ratio"] <= 0.01'
result "central: one multiplier for all" "$TMP/central.json" \
  'r["lambda_final_disagreement"] == 0 and r["lambda_final_min"] == r["lambda_final_max"] > 0'
result "consensus: multipliers near the oracle's" "$TMP/consensus.json" \
  "abs(r['lambda_final_mean'] - $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"]["lambda_final_mean"])' "$TMP/central.json")) < 0.05"
result "consensus: measured disagreement under the eta G sigma^K / (1 - sigma^K) bound" \
  "$TMP/consensus.json" '0 < r["disagreement_mean"] <= r["disagreement_bound"]'
run_np 2 $SAMARL run -q "${BR[@]}" --set dual.rounds=50 -o "$TMP/k50.h5" >/dev/null 2>&1
result "more rounds, less disagreement (K=50 against K=5)" "$TMP/k50.json" \
  "r['disagreement_mean'] < 0.75 * $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"]["disagreement_mean"])' "$TMP/consensus.json")"
run_np 2 $SAMARL run -q "${BR[@]}" --set dual.mode=consensus-paper -o "$TMP/paper.h5" >/dev/null 2>&1
result "the default consensus disagrees less than the paper's rule (K=5)" "$TMP/paper.json" \
  "r['disagreement_mean'] > 2 * $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"]["disagreement_mean"])' "$TMP/consensus.json")"
result "consensus: every epoch's contraction at most sigma^K, the mean kept" \
  "$TMP/consensus.json" '0 < r["contraction_max"] <= r["contraction_bound"] < 1 and r["mixing_drift_max"] < 1e-12'
result "consensus-paper: the same check holds for plain Metropolis mixing" \
  "$TMP/paper.json" '0 < r["contraction_max"] <= r["contraction_bound"] < 1 and r["mixing_drift_max"] < 1e-12'
run_np 2 $SAMARL run -q "${BR[@]}" --set dual.mode=fixed --set dual.lambda0=0.3 -o "$TMP/fixed.h5" >/dev/null 2>&1
result "fixed: every agent keeps dual.lambda0" "$TMP/fixed.json" \
  'r["lambda_final_min"] == r["lambda_final_max"] == 0.3'
run_np 1 $SAMARL run -q "${BR[@]}" --set run.days=1 --set consensus.sigma_iters=10 -o "$TMP/sig.h5" >"$TMP/sig.log" 2>&1
like "an unconverged sigma is flagged (the bound would be too small)" "$TMP/sig.log" 'sigma = .* did not converge in 10 Lanczos steps'
result "the JSON records how far the sigma estimate got" "$TMP/sig.json" 'r["sigma_iterations"] == 10 and r["sigma_residual"] > 0'
like "the summary names the metrics" "$TMP/consensus.log" 'fulfilment +(0\.99|1\.00)'

# ---- bit-identical on 1, 2, 3, 4 ranks --------------------------------------------
for mode in consensus tracking central; do
  for np in 1 3 4; do
    run_np "$np" $SAMARL run -q "${BR[@]}" --set run.days=7 --set dual.mode=$mode -o "$TMP/d$mode$np.h5" >/dev/null 2>&1
  done
  run_np 2 $SAMARL run -q "${BR[@]}" --set run.days=7 --set dual.mode=$mode -o "$TMP/d${mode}2.h5" >/dev/null 2>&1
  bad=
  for np in 2 3 4; do
    for g in /series /traj /agents /graph/degree; do
      h5diff "$TMP/d${mode}1.h5" "$TMP/d$mode$np.h5" $g $g >/dev/null 2>&1 || bad="$bad np$np:$g"
    done
  done
  if [[ -z $bad ]]; then pass "$mode: run.h5 datasets on 2, 3, 4 ranks = 1 rank, bit for bit"
  else fail "$mode: differ from 1 rank in:$bad"; fi
done
ok "the comparison can fail: consensus and tracking differ" bash -c \
  "h5diff -q $TMP/dconsensus1.h5 $TMP/dtracking1.h5 /traj/lambda /traj/lambda >/dev/null 2>&1; [[ \$? -eq 1 ]]"

# ---- schema (h5ls/h5dump: always) ---------------------------------------------------
F=$TMP/consensus.h5
ok "no temporary file left" test ! -e "$F.partial"
like "root attribute format = samarl-run" <(h5dump -a /format "$F") '"samarl-run"'
ok "root has format_version, n_agents, n_ranks, seed, config, git_sha" bash -c \
  "for a in format_version n_agents n_ranks seed config git_sha samarl_version; do h5dump -a /\$a '$F' >/dev/null 2>&1 || exit 1; done"
h5ls -r "$F" >"$TMP/ls"
like "series are extendible [T]" "$TMP/ls" '^/series/total_usage +Dataset \{672/Inf\}'
for s in total_usage capacity slack served arrived backlog lambda_mean lambda_min lambda_max disagreement; do
  grep -q "^/series/$s " "$TMP/ls" || miss="${miss:-} $s"
done
ok "every series of DESIGN.md §6 is there${miss:+ (missing:$miss)}" test -z "${miss:-}"
like "trajectories are float32" <(h5ls -v "$F/traj/usage") 'Type: +(native float|IEEE 32-bit)'
like "trajectories are [T, N]" "$TMP/ls" '^/traj/usage +Dataset \{672/Inf, 256\}'
like "trajectories are chunked" <(h5ls -v "$F/traj/lambda") 'Chunks:'
like "datasets carry units" <(h5dump -a /series/total_usage/units "$F") '"kWh"'
like "datasets carry a description" <(h5dump -a /traj/lambda/description "$F") 'multiplier'
for a in avg_slack_ratio violation_ratio fulfilled postponers lambda_final_mean lambda_final_disagreement wall_s agent_steps_per_s; do
  h5dump -a /summary/$a "$F" >/dev/null 2>&1 || miss2="${miss2:-} $a"
done
ok "summary attributes of DESIGN.md §6${miss2:+ (missing:$miss2)}" test -z "${miss2:-}"
like "timers: min/avg/max across ranks" <(h5dump -A -g /timers "$F") 'consensus_max_s'
like "JSON summary beside the file" "$TMP/consensus.json" '"fulfilled"'
$SAMARL info "$F" >"$TMP/info" 2>&1
like "samarl info shows the summary" "$TMP/info" '@fulfilled = (0\.99|1\.0)'
like "samarl info shows the trajectories" "$TMP/info" '/traj/usage +float32 +\[672, 256\]'

# output.agents / output.every control the volume.
run_np 2 $SAMARL run -q "${BR[@]}" --set run.days=2 --set output.agents=every:4 --set output.every=3 \
  --set output.buffer=5 -o "$TMP/thin.h5" >/dev/null 2>&1
like "every:4 and every 3rd step: [16, 64]" <(h5ls -r "$TMP/thin.h5") '^/traj/usage +Dataset \{16/Inf, 64\}'
run_np 2 $SAMARL run -q "${BR[@]}" --set run.days=2 --set output.agents=none -o "$TMP/none2.h5" >/dev/null 2>&1
ok "output.agents = none: no trajectories, series kept" bash -c \
  "! h5ls -r '$TMP/none2.h5' | grep -q '^/traj/' && h5ls -r '$TMP/none2.h5' | grep -q '^/series/slack'"
run_np 1 $SAMARL run -q "${BR[@]}" --set run.days=2 -o "$TMP/full2.h5" >/dev/null 2>&1

# ---- reading it as a script does (h5py) -----------------------------------------------
if $PY -c 'import h5py' >/dev/null 2>&1; then
  $PY - "$F" "$TMP/thin.h5" "$TMP/full2.h5" >"$TMP/py" 2>&1 <<'EOF'
import sys
import numpy as np
import h5py
f = h5py.File(sys.argv[1], "r")
def check(desc, cond):
    print(("PASS " if cond else "FAIL ") + desc)
s, t = f["series"], f["traj"]
C = f.attrs["capacity"]
use = t["usage"][:].astype(np.float64)
check("h5py: total_usage = sum of the agents' usage each step",
      np.allclose(use.sum(axis=1), s["total_usage"][:], rtol=1e-5))
check("h5py: slack = total_usage - capacity", np.allclose(s["slack"][:], s["total_usage"][:] - C))
check("h5py: lambda_mean = mean of the agents' lambda",
      np.allclose(t["lambda"][:].mean(axis=1), s["lambda_mean"][:], atol=1e-6))
check("h5py: lambda_min <= lambda_mean <= lambda_max",
      bool(np.all(s["lambda_min"][:] <= s["lambda_mean"][:] + 1e-12) and
           np.all(s["lambda_mean"][:] <= s["lambda_max"][:] + 1e-12)))
scale = f["agents/scale"][:]
act = t["action"][:]
check("h5py: usage = level x scale", np.allclose(use, np.array([0, .5, 1, 1.5, 2, 2.5])[act.astype(int)] * scale, rtol=1e-6))
check("h5py: backlog = cumulative arrived - served (conservation)",
      np.allclose(np.cumsum(s["arrived"][:] - s["served"][:]), s["backlog"][:], rtol=1e-6, atol=1e-3))
check("h5py: summary fulfilment from the series",
      abs(f["summary"].attrs["fulfilled"] - s["served"][336:].sum() / s["arrived"][336:].sum()) < 1e-12)
thin, full = h5py.File(sys.argv[2], "r"), h5py.File(sys.argv[3], "r")
check("h5py: thinned trajectories are the full ones at every 3rd step and 4th agent",
      np.array_equal(thin["traj/usage"][:], full["traj/usage"][::3, ::4]))
EOF
  while read -r st desc; do
    if [[ $st == PASS ]]; then pass "$desc"; elif [[ $st == FAIL ]]; then fail "$desc"; else diag "$st $desc"; fi
  done <"$TMP/py"
else
  diag "no h5py: reader checks skipped"
fi

# ---- with trained networks ------------------------------------------------------------
SMALL=(--set graph.agents=8 --set graph.type=ring --set graph.k=1 --set env.horizon=24
       --set train.copies=4 --set train.minibatches=2 --set train.epochs=2 --set train.eval_every=0
       --set policy.hidden=8 --set train.iterations=3)
run_np 2 $SAMARL train -q "${SMALL[@]}" -o "$TMP/p8.h5" >/dev/null 2>&1
for np in 1 3; do
  run_np $np $SAMARL run -q "${SMALL[@]}" --policy "$TMP/p8.h5" --set run.days=3 -o "$TMP/mlp$np.h5" >"$TMP/mlp$np.log" 2>&1
done
ok "a trained policy runs (mlp, consensus)" test -f "$TMP/mlp1.h5"
ok "trained policy: same trajectories on 1 and 3 ranks" h5diff "$TMP/mlp1.h5" "$TMP/mlp3.h5" /traj /traj
run_np 2 $SAMARL train -q "${SMALL[@]}" --set policy.sharing=shared -o "$TMP/p8s.h5" >/dev/null 2>&1
for np in 1 3; do
  run_np $np $SAMARL run -q "${SMALL[@]}" --set policy.sharing=shared --policy "$TMP/p8s.h5" \
    --set run.days=2 -o "$TMP/mlps$np.h5" >/dev/null 2>&1
done
ok "a shared network runs (batched forward)" test -f "$TMP/mlps1.h5"
ok "shared network: same trajectories on 1 and 3 ranks (batches of other sizes)" \
  h5diff "$TMP/mlps1.h5" "$TMP/mlps3.h5" /traj /traj

# ---- bad input ---------------------------------------------------------------------------
Q=(-q "${BR[@]}" --set run.days=1)
expect_error "dual.eta = 0 refused" 2 'dual.eta.*\(0, ' $SAMARL run "${Q[@]}" --set dual.eta=0 -o "$TMP/b.h5"
expect_error "dual.eta < 0 refused" 2 'dual.eta' $SAMARL run "${Q[@]}" --set dual.eta=-0.1 -o "$TMP/b.h5"
expect_error "dual.rounds < 0 refused" 2 'dual.rounds' $SAMARL run "${Q[@]}" --set dual.rounds=-1 -o "$TMP/b.h5"
expect_error "dual.epoch < 1 refused" 2 'dual.epoch' $SAMARL run "${Q[@]}" --set dual.epoch=0 -o "$TMP/b.h5"
expect_error "unknown dual.mode refused, choices listed" 2 "dual.mode = 'gossip' is not a dual rule; expected one of: consensus, consensus-paper, tracking, tracking-ratio, local, central, sampled, feeder, local-cost, fixed, none" $SAMARL run "${Q[@]}" --set dual.mode=gossip -o "$TMP/b.h5"
expect_error "output.agents = every:0 refused" 2 'every:M' $SAMARL run "${Q[@]}" --set output.agents=every:0 -o "$TMP/b.h5"
expect_error "unwritable output directory refused before running" 2 'directory .*does not exist' \
  $SAMARL run "${Q[@]}" -o "$TMP/no/such/dir/run.h5"
expect_error "mlp without --policy: says how to fix it" 2 'pass --policy FILE' \
  $SAMARL run -q --set graph.agents=8 -o "$TMP/b.h5"
expect_error "--policy with the best response refused" 2 'policy.type = bestresponse' \
  $SAMARL run "${Q[@]}" --policy "$TMP/p8.h5" -o "$TMP/b.h5"
expect_error "a policy for 8 agents refused for 9" 2 '8 agents|agents' \
  $SAMARL run -q "${SMALL[@]}" --set graph.agents=9 --policy "$TMP/p8.h5" -o "$TMP/b.h5"
echo "not hdf5" >"$TMP/junk.h5"
expect_error "a policy file that is not HDF5 refused" 2 'not an HDF5 file' \
  $SAMARL run -q "${SMALL[@]}" --policy "$TMP/junk.h5" -o "$TMP/b.h5"
ok "no output after refused runs" test ! -e "$TMP/b.h5" -a ! -e "$TMP/b.h5.partial"

# output.compress: the same trajectories, gzip-filtered, on 1 and 2 ranks;
# refused beside checkpoints.
run_np 1 $SAMARL run -q "${BR[@]}" --set run.days=2 -o "$TMP/plain.h5" >/dev/null 2>&1
for np in 1 2; do
  run_np $np $SAMARL run -q "${BR[@]}" --set run.days=2 --set output.compress=1 -o "$TMP/gz$np.h5" >/dev/null 2>&1
  ok "output.compress = 1 on $np rank(s): /traj equal to the uncompressed run" \
    h5diff "$TMP/plain.h5" "$TMP/gz$np.h5" /traj /traj
done
ok "  and /traj is stored shuffled and gzip-compressed" $PY -c "
import h5py, sys
d = h5py.File(sys.argv[1], 'r')['traj/usage']
sys.exit(0 if d.compression == 'gzip' and d.shuffle and
         h5py.File(sys.argv[2], 'r')['traj/usage'].compression is None else 1)" "$TMP/gz2.h5" "$TMP/plain.h5"
expect_error "output.compress with checkpoints refused" 2 'output.compress = 1 with run.checkpoint_every = 5' \
  $SAMARL run -q "${BR[@]}" --set output.compress=1 --set run.checkpoint_every=5 -o "$TMP/gzc.h5"

# A run killed half way leaves no file that looks finished.
$MPIRUN -np 2 $SAMARL run -q "${BR[@]}" --set run.days=100000 -o "$TMP/killed.h5" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do [[ -e $TMP/killed.h5.partial ]] && break; sleep 0.1; done
sleep 0.5
{ kill -KILL $pid; pkill -KILL -f "killed.h5"; wait $pid; } 2>/dev/null
ok "a killed run leaves no run.h5 (only the .partial it was writing)" test ! -e "$TMP/killed.h5"
ok "a killed run leaves no JSON summary" test ! -e "$TMP/killed.json"

done_testing
