#!/usr/bin/env bash
# Tracking under lost links (issue 23; results/faults): dual.mode = tracking
# on case2383wp with its bus loads (best-response households, K = 5, 28
# days), faults.link_drop p in LINK_PS and faults.agent_dropout q in DROP_QS,
# each with faults.link_mode = message (each message lost on its own, the
# receiver renormalising: the default) and link (an exchange fails both
# ways, the weight left on each end: the network's sum is kept), and
# dual.mode = tracking-ratio (push-sum with running sums) under the same
# one-way lost messages; seeds SEEDS; against the lossless run of each seed
# and rule.
# -> results/faults/tracking.csv, tracking.md, fig_tracking.png
#   GRIDS=../shared/data/grids bash scripts/experiments/faults_tracking.sh   # ~1 min
OUT=${OUT:-results/faults}
WORK=${WORK:-/tmp/samarl-tracking}
source "$(dirname "$0")/common.sh"
GRAPH=${GRAPH:-case2383wp}
LINK_PS=${LINK_PS:-"0.05 0.1 0.2 0.4"}
DROP_QS=${DROP_QS:-"0.1 0.4"}
SEEDS=${SEEDS:-"1 2"}
grid_inputs "$GRAPH"
BASE=(--set policy.type=bestresponse --set output.agents=none --set consensus.sigma_iters=0
      "${GRID_ARGS[@]}")
MAN=$WORK/manifest_tracking.csv
echo "id,tags,status,wall_s,json" >"$MAN"
RUNS_TOTAL=$(( $(wc -w <<<"$SEEDS") * (2 + 3 * ($(wc -w <<<"$LINK_PS") + $(wc -w <<<"$DROP_QS"))) ))
RUNS_T0=$(date +%s)
for seed in $SEEDS; do
  samarl_run "$MAN" mode=lossless p=0 q=0 seed=$seed -- "${BASE[@]}" --set run.seed=$seed --set dual.mode=tracking
  samarl_run "$MAN" mode=lossless-ratio p=0 q=0 seed=$seed -- "${BASE[@]}" --set run.seed=$seed \
    --set dual.mode=tracking-ratio
  for lm in message link ratio; do # ratio: tracking-ratio under one-way lost messages
    R=(--set dual.mode=tracking --set faults.link_mode=$lm)
    [[ $lm == ratio ]] && R=(--set dual.mode=tracking-ratio --set faults.link_mode=message)
    for p in $LINK_PS; do
      samarl_run "$MAN" mode=$lm p=$p q=0 seed=$seed -- "${BASE[@]}" --set run.seed=$seed \
        "${R[@]}" --set faults.link_drop=$p
    done
    for q in $DROP_QS; do
      samarl_run "$MAN" mode=$lm p=0 q=$q seed=$seed -- "${BASE[@]}" --set run.seed=$seed \
        "${R[@]}" --set faults.agent_dropout=$q
    done
  done
done
"$PYTHON" "$(dirname "$0")/faults_tracking.py" --manifest "$MAN" --out "$OUT"
