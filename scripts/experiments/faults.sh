#!/usr/bin/env bash
# Consensus under communication faults (results/faults): the best-response
# policy on a real grid (GRAPH, default case2383wp: 2383 agents, its own bus
# loads as demand scales), dual.rounds K = 5, 28 days, dual.mode consensus
# and tracking (MODES), against
#   faults.link_drop p      in LINK_PS
#   faults.agent_dropout q  in DROP_QS  (windows of DROPOUT_ROUNDS rounds)
#   faults.stale s          in STALES
# one fault at a time, plus dual.mode local (no messages at all: what total
# loss degrades to) and central (the oracle), for each run.seed in SEEDS (the
# seed draws the demand noise and the fault pattern). Then scripts/plot_faults.py
# writes faults.csv, the figures and tables.md. The data directory comes in
# by GRIDS, never from the program:
#   GRIDS=../shared/data/grids bash scripts/experiments/faults.sh
# Runs whose JSON is already in $WORK are reused (FORCE=1 reruns them).
OUT=${OUT:-results/faults}
WORK=${WORK:-/tmp/samarl-faults}
source "$(dirname "$0")/common.sh"
GRAPH=${GRAPH:-case2383wp}
LINK_PS=${LINK_PS:-"0 0.05 0.1 0.2 0.4 0.6 0.8 1"}
DROP_QS=${DROP_QS:-"0.05 0.1 0.2 0.4 0.6 0.8"}
DROPOUT_ROUNDS=${DROPOUT_ROUNDS:-20}
STALES=${STALES:-"0.5 1"}
MODES=${MODES:-"consensus tracking"}
SEEDS=${SEEDS:-"1 2"}
MAN=$OUT/manifest_faults.csv
echo "id,tags,status,wall_s,json" >"$MAN"

grid_inputs "$GRAPH"
BASE=(--set policy.type=bestresponse --set output.agents=none --set consensus.sigma_iters=0
      "${GRID_ARGS[@]}" --set faults.dropout_rounds="$DROPOUT_ROUNDS")

for seed in $SEEDS; do
    S=("${BASE[@]}" --set run.seed=$seed)
    for mode in local central; do
        samarl_run "$MAN" mode=$mode p=0 q=0 s=0 seed=$seed -- "${S[@]}" --set dual.mode=$mode
    done
    for mode in $MODES; do
        echo "$mode, seed $seed"
        for p in $LINK_PS; do
            samarl_run "$MAN" mode=$mode p=$p q=0 s=0 seed=$seed -- "${S[@]}" \
                --set dual.mode=$mode --set faults.link_drop=$p
        done
        for q in $DROP_QS; do
            samarl_run "$MAN" mode=$mode p=0 q=$q s=0 seed=$seed -- "${S[@]}" \
                --set dual.mode=$mode --set faults.agent_dropout=$q
        done
        for s in $STALES; do
            samarl_run "$MAN" mode=$mode p=0 q=0 s=$s seed=$seed -- "${S[@]}" \
                --set dual.mode=$mode --set faults.stale=$s
        done
    done
done
"$PYTHON" scripts/plot_faults.py --manifest "$MAN" --out "$OUT"
