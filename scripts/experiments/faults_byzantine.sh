#!/usr/bin/env bash
# Consensus on the price lambda with lying agents (issue 23; results/faults):
# the best-response households, N = 10^4, 28 days, dual.mode = consensus, on
# a random geometric graph (mean degree 12) and a 100 x 100 grid, with 1%, 2% and 5% of the
# agents (faults.byzantine, drawn per agent from run.seed) lying in each
# mode (MODES: a constant 10 $/kWh in place of their price, minus their
# price, their price plus 10 z), under the receivers' rules mean,
# trimmed:2 (W-MSR), median, mtm:3 and mtm:10 (the modified trimmed mean; on the
# random graph, whose agents have 12 neighbours, also trimmed:4); against
# the fault-free run of each graph under the same rule (and the plain mean's).
# Which agents lie is in each run file (/graph/byzantine).
# -> results/faults/byzantine.csv, byzantine.md, fig_byzantine.png
#   bash scripts/experiments/faults_byzantine.sh     # ~9 min on 2 cores
OUT=${OUT:-results/faults}
WORK=${WORK:-/tmp/samarl-byzantine}
source "$(dirname "$0")/common.sh"
N=${N:-10000}
PS=${PS:-"0.01 0.02 0.05"}
RULES=${RULES:-"mean trimmed:2 median mtm:3 mtm:10"}
MODES=${MODES:-"constant sign-flip noise"} # faults.byzantine_mode
RULES_rgg=${RULES_rgg:-"$RULES trimmed:4"} # RULES_<graph>: that graph's rules
GRAPHS=${GRAPHS:-"rgg grid2d"}
SEEDS=${SEEDS:-"1"}
BASE=(--set policy.type=bestresponse --set graph.agents="$N" --set run.days=28 --set dual.mode=consensus
      --set consensus.sigma_iters=0 --set output.every=24)
MAN=$WORK/manifest_byzantine.csv
echo "id,tags,status,wall_s,json" >"$MAN"
rules_of() { local v="RULES_$1"; echo "${!v:-$RULES}"; }
RUNS_TOTAL=0 # per graph: the fault-free mean, every other rule fault-free, then every (p, mode, rule)
for g in $GRAPHS; do
  n=$(( 1 + ($(wc -w <<<"$PS") * $(wc -w <<<"$MODES") + 1) * $(wc -w <<<"$(rules_of "$g")") ))
  [[ " $(rules_of "$g") " == *" mean "* ]] && n=$((n - 1))
  RUNS_TOTAL=$(( RUNS_TOTAL + n * $(wc -w <<<"$SEEDS") ))
done
RUNS_T0=$(date +%s)
for seed in $SEEDS; do
  for g in $GRAPHS; do
    G=(--set graph.type="$g" --set run.seed="$seed")
    [[ $g == rgg ]] && G+=(--set graph.degree=12) # mean degree 12: connected at N = 10^4
    samarl_run "$MAN" net=$g p=0 rule=mean mode=none seed=$seed -- "${BASE[@]}" "${G[@]}"
    for r in $(rules_of "$g"); do # each rule without liars, the mean's above
      [[ $r == mean ]] || samarl_run "$MAN" net=$g p=0 rule=$r mode=none seed=$seed -- "${BASE[@]}" "${G[@]}" \
        --set consensus.aggregate="$r"
    done
    for p in $PS; do
      for mode in $MODES; do
        for r in $(rules_of "$g"); do
          samarl_run "$MAN" net=$g p=$p rule=$r mode=$mode seed=$seed -- "${BASE[@]}" "${G[@]}" \
            --set consensus.aggregate="$r" --set faults.byzantine="$p" --set faults.byzantine_mode="$mode"
        done
      done
    done
  done
done
"$PYTHON" "$(dirname "$0")/faults_byzantine.py" --manifest "$MAN" --out "$OUT"
