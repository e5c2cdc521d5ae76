#!/usr/bin/env bash
# Consensus on the price lambda with lying agents (issue 23; results/faults):
# the best-response households, N = 10^4, 28 days, dual.mode = consensus, on
# a random geometric graph (mean degree 12) and a 100 x 100 grid, with 1%, 2% and 5% of the
# agents (faults.byzantine, drawn per agent from run.seed) sending a constant
# 10 $/kWh in place of their price, under the receivers' rules mean,
# trimmed:2 (W-MSR) and median; against the fault-free run of each graph
# under the same rule (and the plain mean's).
# Which agents lie is in each run file (/graph/byzantine).
# -> results/faults/byzantine.csv, byzantine.md, fig_byzantine.png
#   bash scripts/experiments/faults_byzantine.sh     # ~5 min on 2 cores
OUT=${OUT:-results/faults}
WORK=${WORK:-/tmp/samarl-byzantine}
source "$(dirname "$0")/common.sh"
N=${N:-10000}
PS=${PS:-"0.01 0.02 0.05"}
RULES=${RULES:-"mean trimmed:2 median"}
GRAPHS=${GRAPHS:-"rgg grid2d"}
SEEDS=${SEEDS:-"1"}
BASE=(--set policy.type=bestresponse --set graph.agents="$N" --set run.days=28 --set dual.mode=consensus
      --set consensus.sigma_iters=0 --set output.every=24)
runs=()
for seed in $SEEDS; do
  for g in $GRAPHS; do
    runs+=("$g clean $seed")
    for r in $RULES; do [[ $r != mean ]] && runs+=("$g 0:$r $seed"); done # each rule without liars
    for p in $PS; do for r in $RULES; do runs+=("$g $p:$r $seed"); done; done
  done
done
n=0; t0=$(date +%s)
for spec in "${runs[@]}"; do
  read -r g v seed <<<"$spec"
  id="$g-${v/:/-}-$seed"; id=${id//:/-}
  args=(--set graph.type="$g" --set run.seed="$seed")
  [[ $g == rgg ]] && args+=(--set graph.degree=12) # mean degree 12: connected at N = 10^4
  if [[ $v != clean ]]; then
    args+=(--set consensus.aggregate="${v#*:}")
    [[ ${v%%:*} != 0 ]] && args+=(--set faults.byzantine="${v%%:*}")
  fi
  if [[ ! -s $WORK/$id.json || ${FORCE:-0} == 1 ]]; then
    $MPIRUN -np "$NP" "$SAMARL" run -q "${BASE[@]}" "${args[@]}" -o "$WORK/$id.h5" >"$WORK/$id.log" 2>&1 ||
      { echo "failed: $id" >&2; tail -3 "$WORK/$id.log" >&2; exit 1; }
  fi
  n=$((n + 1)); progress "$n" "${#runs[@]}" "$t0"
done
echo
"$PYTHON" "$(dirname "$0")/faults_byzantine.py" --work "$WORK" --out "$OUT"
