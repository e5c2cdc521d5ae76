#!/usr/bin/env bash
# The issue-20 gate against the training budget: scal-mappo-l at kappa 2 on
# the ring of 256 and case118, HAPPO's product factor (prod, the paper's)
# and seed 003's clipped one (clip1), 3 seeds, for each iteration budget in
# BUDGETS (kappa.sh and factor.sh train 80). gate.csv has a row per
# training with its gap to the yardstick and whether it meets the gate
# (violation mean <= 1%, reward >= yardstick - 5% of |yardstick|).
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/gate.sh
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
FACTORS=${FACTORS:-"prod clip1"}
BUDGETS=${BUDGETS:-"240 480"}
GRAPHS=${GRAPHS:-"ring case118"}
COMMON=(--set env.name=drnet --set env.horizon=48 --set train.copies=8 --set train.eval_copies=64
        --set train.dual_lr=2 --set train.algo=scal-mappo-l --set train.kappa=2)
MAN=$OUT/gate_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
for it in $BUDGETS; do
    for g in $GRAPHS; do
        graph_args "$g"
        for s in $SEEDS; do
            for f in $FACTORS; do
                samarl_train "$MAN" exp=gate graph=$g factor=$f iterations=$it seed=$s -- \
                    "${COMMON[@]}" "${G[@]}" --set run.seed=$s --set env.seed=$s \
                    --set train.factor=$f --set train.iterations="$it" --set train.eval_every="$it"
            done
        done
    done
done
"$PYTHON" "$(dirname "$0")/gate_analyze.py" --manifest "$MAN" \
    "$OUT/kappa_manifest.csv" "$OUT/factor_manifest.csv" --out "$OUT" \
    --yardstick "$OUT/yardstick.csv"
