#!/usr/bin/env bash
# DR-net's yardstick (issue 20): the best response acting on the local
# feeder prices of dual.mode = feeder, beside the unpriced grid (none) and
# the rules that price the shared capacity instead (central, consensus), on
# a ring (k = 2) and a random geometric graph of 256 agents, a ring of 64
# (ring64: where mappo-l-local's central critics fit), and on the four
# real grids with their bus loads and the CityLearn 2022 profiles; feeder
# at step sizes ETAS, SEEDS seeds (run.seed = env.seed), DAYS days.
# Then yardstick.csv, the table and the figure (yardstick_analyze.py).
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/yardstick.sh
# Runs whose JSON is already in $WORK are reused (FORCE=1 reruns them).
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
DAYS=${DAYS:-28}
ETAS=${ETAS:-"0.005 0.01 0.02 0.05"}
FLAT_MODES=${FLAT_MODES:-"none central consensus"}
GRID_NAMES=${GRID_NAMES:-"case118 case300 case2383wp case_ACTIVSg2000"}
mkdir -p "$OUT"
MAN=$OUT/yardstick_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
graphs="ring rgg ring64"
for g in $GRID_NAMES; do [ -s "$GRIDS/$g.graph" ] && graphs="$graphs $g"; done
for g in $graphs; do
    graph_args "$g"
    G+=(--set env.name=drnet --set policy.type=bestresponse --set run.days="$DAYS"
        --set output.agents=none)
    for s in $SEEDS; do
        S=(--set run.seed=$s --set env.seed=$s)
        for m in $FLAT_MODES; do
            samarl_run "$MAN" exp=yardstick graph=$g seed=$s mode=$m eta=0 -- \
                "${G[@]}" "${S[@]}" --set dual.mode=$m
        done
        for eta in $ETAS; do
            samarl_run "$MAN" exp=yardstick graph=$g seed=$s mode=feeder eta=$eta -- \
                "${G[@]}" "${S[@]}" --set dual.mode=feeder --set dual.eta=$eta
        done
    done
done
"$PYTHON" "$(dirname "$0")/yardstick_analyze.py" --manifest "$MAN" --out "$OUT"
