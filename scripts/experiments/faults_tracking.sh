#!/usr/bin/env bash
# Tracking under lost links (issue 23; results/faults): dual.mode = tracking
# on case2383wp with its bus loads (best-response households, K = 5, 28
# days), faults.link_drop p in LINK_PS and faults.agent_dropout q in DROP_QS,
# each with faults.link_mode = message (each message lost on its own, the
# receiver renormalising: the default) and link (an exchange fails both
# ways, the weight left on each end: the network's sum is kept), seeds
# SEEDS; against the lossless run of each seed.
# -> results/faults/tracking.csv, tracking.md, fig_tracking.png
#   GRIDS=../shared/data/grids bash scripts/experiments/faults_tracking.sh   # ~6 min
OUT=${OUT:-results/faults}
WORK=${WORK:-/tmp/samarl-tracking}
source "$(dirname "$0")/common.sh"
GRAPH=${GRAPH:-case2383wp}
LINK_PS=${LINK_PS:-"0.05 0.1 0.2 0.4"}
DROP_QS=${DROP_QS:-"0.1 0.4"}
SEEDS=${SEEDS:-"1 2"}
grid_inputs "$GRAPH"
BASE=(--set policy.type=bestresponse --set output.agents=none --set consensus.sigma_iters=0
      "${GRID_ARGS[@]}" --set dual.mode=tracking)
runs=()
for seed in $SEEDS; do
  runs+=("lossless 0 0 $seed")
  for lm in message link; do
    for p in $LINK_PS; do runs+=("$lm $p 0 $seed"); done
    for q in $DROP_QS; do runs+=("$lm 0 $q $seed"); done
  done
done
n=0; t0=$(date +%s)
for spec in "${runs[@]}"; do
  read -r lm p q seed <<<"$spec"
  id="$lm-p$p-q$q-$seed"
  args=(--set run.seed="$seed" --set faults.link_drop="$p" --set faults.agent_dropout="$q")
  [[ $lm == link ]] && args+=(--set faults.link_mode=link)
  if [[ ! -s $WORK/$id.json || ${FORCE:-0} == 1 ]]; then
    $MPIRUN -np "$NP" "$SAMARL" run -q "${BASE[@]}" "${args[@]}" -o "$WORK/$id.h5" >"$WORK/$id.log" 2>&1 ||
      { echo "failed: $id" >&2; tail -3 "$WORK/$id.log" >&2; exit 1; }
  fi
  n=$((n + 1)); progress "$n" "${#runs[@]}" "$t0"
done
echo
"$PYTHON" "$(dirname "$0")/faults_tracking.py" --work "$WORK" --out "$OUT"
