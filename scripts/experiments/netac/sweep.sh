#!/usr/bin/env bash
# Seed 004 (issue 23): Zhang et al. 2018's networked actor-critic on its
# networked random MDP (N = 20, |S| = 20, 10^5 steps), 10 seeds (each its own
# MDP and trajectory), netac-q and netac-v: consensus over a ring of 20
# (4 neighbours, min degree >= 3), the central one-critic baseline, 20
# consensus rounds per step, lost messages (p = 0.2), and 5% lying agents
# (sending 100; each mode) under the plain mean and trimmed:1, and the
# actors frozen at their start (what learning adds)
# -> results/netac/netac.csv, claims.md, fig_netac.png (analyze.py).
#   bash scripts/experiments/netac/sweep.sh      # ~4 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_NETAC:-results/netac}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
ITERS=${ITERS:-100}
WORK=$WORK/netac
mkdir -p "$OUT" "$WORK"
BASE=(--set env.name=netmdp --set graph.agents=20 --set graph.type=ring --set graph.k=2
      --set train.iterations="$ITERS" --set netac.steps=1000 --set train.eval_every=10)
declare -A VAR=(
  [consensus]=""
  [central]="--set netac.central=true"
  [frozen]="--set netac.actor_rate=0"
  [rounds20]="--set netac.rounds=20"
  [drop0.2]="--set faults.link_drop=0.2"
  [liar-constant-mean]="--set faults.byzantine=0.05 --set faults.byzantine_value=100"
  [liar-constant-trimmed1]="--set faults.byzantine=0.05 --set faults.byzantine_value=100 --set consensus.aggregate=trimmed:1"
  [liar-signflip-mean]="--set faults.byzantine=0.05 --set faults.byzantine_mode=sign-flip"
  [liar-signflip-trimmed1]="--set faults.byzantine=0.05 --set faults.byzantine_mode=sign-flip --set consensus.aggregate=trimmed:1"
  [liar-noise-mean]="--set faults.byzantine=0.05 --set faults.byzantine_mode=noise"
  [liar-noise-trimmed1]="--set faults.byzantine=0.05 --set faults.byzantine_mode=noise --set consensus.aggregate=trimmed:1"
)
MAN=$WORK/manifest_netac.csv
echo "id,tags,status,wall_s,json" >"$MAN"
RUNS_TOTAL=$(( ${#VAR[@]} * 2 * $(wc -w <<<"$SEEDS") )) RUNS_T0=$(date +%s)
for seed in $SEEDS; do
  for algo in netac-q netac-v; do
    for v in "${!VAR[@]}"; do
      samarl_train "$MAN" algo=$algo variant=$v seed=$seed -- "${BASE[@]}" --set train.algo=$algo \
        ${VAR[$v]} --set run.seed="$seed" --set netmdp.seed="$seed"
    done
  done
done
"$PYTHON" "$(dirname "$0")/analyze.py" --manifest "$MAN" --out "$OUT"
