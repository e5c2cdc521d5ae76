#!/usr/bin/env bash
# Seed 004 on demand response (issue 23): ippo-l on DR-net (48 households on
# a ring, 4 neighbours each, under their feeder limits), 200 iterations,
# with each agent's critics its own, consensed with its neighbours' (2
# rounds after each update, train.critic_consensus), and consensed with 5%
# lying agents (constant 100, or noise of sd 10), and with one lying agent
# (gid 7, faults.byzantine_agents; constant 100, sign-flip, noise of sd
# 10), under the mean and trimmed:1; seeds SEEDS -> results/netac/dr_critics.csv,
# dr_critics.md.
#   bash scripts/experiments/netac/dr_critics.sh     # ~1 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_NETAC:-results/netac}
SEEDS=${SEEDS:-"1 2 3"}
mkdir -p "$OUT" "$WORK/drc"
BASE=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48
      --set env.horizon=24 --set train.copies=4 --set train.eval_copies=4 --set train.eval_every=50
      --set train.critic_hidden=16 --set policy.hidden=16 --set train.iterations=200
      --set train.algo=ippo-l)
declare -A VAR=(
  [independent]=""
  [consensus]="--set train.critic_consensus=2"
  [liar-constant-mean]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_value=100"
  [liar-constant-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_value=100 --set consensus.aggregate=trimmed:1"
  [liar-noise-mean]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_mode=noise"
  [liar-noise-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_mode=noise --set consensus.aggregate=trimmed:1"
  [one-constant-mean]="--set train.critic_consensus=2 --set faults.byzantine_agents=7 --set faults.byzantine_value=100"
  [one-constant-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine_agents=7 --set faults.byzantine_value=100 --set consensus.aggregate=trimmed:1"
  [one-signflip-mean]="--set train.critic_consensus=2 --set faults.byzantine_agents=7 --set faults.byzantine_mode=sign-flip"
  [one-signflip-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine_agents=7 --set faults.byzantine_mode=sign-flip --set consensus.aggregate=trimmed:1"
  [one-noise-mean]="--set train.critic_consensus=2 --set faults.byzantine_agents=7 --set faults.byzantine_mode=noise"
  [one-noise-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine_agents=7 --set faults.byzantine_mode=noise --set consensus.aggregate=trimmed:1"
)
echo "variant,seed,eval_team_reward,team_reward,violation_mean,critic_spread" >"$WORK/drc/drc.csv"
n=0; total=$(( ${#VAR[@]} * $(wc -w <<<"$SEEDS") )); t0=$(date +%s)
for seed in $SEEDS; do
  for v in "${!VAR[@]}"; do
    out="$WORK/drc/$v-$seed.h5"
    $MPIRUN -np "$NP" "$SAMARL" train -q "${BASE[@]}" ${VAR[$v]} --set run.seed="$seed" -o "$out" \
      >"$out.log" 2>&1 || { echo "failed: $v $seed" >&2; tail -3 "$out.log" >&2; exit 1; }
    "$PYTHON" -c "import json, sys; r = json.load(open(sys.argv[1]))['results']; print(','.join([sys.argv[2], sys.argv[3]] + ['%.10g' % r[k] for k in ('eval_team_reward', 'team_reward', 'violation_mean', 'critic_spread')]))" \
      "${out%.h5}.json" "$v" "$seed" >>"$WORK/drc/drc.csv"
    n=$((n + 1)); progress "$n" "$total" "$t0"
  done
done
echo
cp "$WORK/drc/drc.csv" "$OUT/dr_critics.csv"
"$PYTHON" - "$OUT/dr_critics.csv" "$OUT/dr_critics.md" <<'PYEOF'
import csv, sys
from collections import defaultdict
import numpy as np
rows = list(csv.DictReader(open(sys.argv[1])))
g = defaultdict(list)
for r in rows:
    g[r["variant"]].append(r)
base = np.mean([float(r["eval_team_reward"]) for r in g["consensus"]])
L = ["# ippo-l on DR-net with consensed critics (dr_critics.sh)", "",
     "48 households, ring with 4 neighbours, 200 iterations; evaluation team reward "
     "($/agent/step, higher is better), mean ± sd over the seeds; change against the "
     "fault-free consensed critics.", "",
     "| critics | eval team reward | change | feeder violation (of the bound) | critic spread |",
     "|---|---|---|---|---|"]
order = ["independent", "consensus", "liar-constant-mean", "liar-constant-trimmed1", "liar-noise-mean", "liar-noise-trimmed1",
         "one-constant-mean", "one-constant-trimmed1", "one-signflip-mean", "one-signflip-trimmed1", "one-noise-mean", "one-noise-trimmed1"]
for v in order:
    rs = g[v]
    e = np.array([float(r["eval_team_reward"]) for r in rs])
    L.append(f"| {v} | {e.mean():.4f} ± {e.std():.4f} | {100 * (e.mean() - base) / abs(base):+.1f}% | "
             f"{np.mean([float(r['violation_mean']) for r in rs]):.4f} | {np.median([float(r['critic_spread']) for r in rs]):.3g} |")
open(sys.argv[2], "w").write("\n".join(L) + "\n")
print("\n".join(L))
PYEOF
