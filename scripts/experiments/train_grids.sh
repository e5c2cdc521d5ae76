#!/usr/bin/env bash
# Per-agent state-augmented policies for the four shipped grids with their bus
# loads and the CityLearn profiles (issue 18): samarl train with the default
# iterations (COPIES environment copies per agent, default 8 to fit 2 cores;
# the built-in default is 32), then samarl eval of each policy against the
# best response at every multiplier in [0, train.lambda_max]. Writes
# $POLICY_DIR/<grid>.h5 and $OUT/grids/eval_<grid>.csv; grids.sh then runs
# them (POLICY_DIR=... bash scripts/experiments/grids.sh).
source "$(dirname "$0")/common.sh"
COPIES=${COPIES:-8}
POLICY_DIR=${POLICY_DIR:-$WORK/policies}
GRID_NAMES=${GRID_NAMES:-"case118 case300 case2383wp case_ACTIVSg2000"}
PROFILES=${PROFILES:-${SAMARL_SHARED:-../shared}/data/citylearn2022/profiles.csv}
LAMBDAS=${LAMBDAS:-0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1}
mkdir -p "$POLICY_DIR" "$OUT/grids"
for g in $GRID_NAMES; do
    G=(--set graph.type=file --set graph.path="$GRIDS/$g.graph" --set env.nodes="$GRIDS/$g.nodes.csv"
       --set env.profiles="$PROFILES")
    if [ "${FORCE:-0}" = 1 ] || [ ! -s "$POLICY_DIR/$g.h5" ]; then
        echo "== training $g ($COPIES copies)"
        t0=$(date +%s)
        $MPIRUN -np "$NP" "$SAMARL" train "${G[@]}" --set train.copies="$COPIES" \
            -o "$POLICY_DIR/$g.h5" | grep -E '^(trained|wrote)'
        echo "$g $(( $(date +%s) - t0 )) s" >>"$OUT/grids/train_wall.txt"
    fi
    $MPIRUN -np "$NP" "$SAMARL" eval -q "${G[@]}" --policy "$POLICY_DIR/$g.h5" \
        --lambda "$LAMBDAS" -o "$OUT/grids/eval_$g.csv" >/dev/null
    echo "  eval -> $OUT/grids/eval_$g.csv"
done
