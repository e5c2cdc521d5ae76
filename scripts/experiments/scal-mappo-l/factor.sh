#!/usr/bin/env bash
# The sequential update's factor (issue 20): scal-mappo-l at kappa 2 with
# train.factor = clip1 (the product capped at 1, as seed 003 clips it) and
# none (independent updates) beside kappa.sh's prod, on the same graphs,
# seeds and budget; rows join kappa.csv with algo scal-mappo-l/FACTOR.
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/factor.sh
# kappa_analyze.py (called by kappa.sh, or as below) reads both manifests.
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
FACTORS=${FACTORS:-"clip1 none"}
ITERS=${ITERS:-80}
GRAPHS=${GRAPHS:-"ring case118 ring64"}
COMMON=(--set env.name=drnet --set env.horizon=48 --set train.copies=8 --set train.eval_copies=64
        --set train.iterations="$ITERS" --set train.eval_every="$ITERS" --set train.dual_lr=2)
MAN=$OUT/factor_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
for g in $GRAPHS; do
    graph_args "$g"
    for s in $SEEDS; do
        for f in $FACTORS; do
            samarl_train "$MAN" exp=factor graph=$g algo=scal-mappo-l/$f kappa=2 seed=$s -- \
                "${COMMON[@]}" "${G[@]}" --set run.seed=$s --set env.seed=$s \
                --set train.algo=scal-mappo-l --set train.kappa=2 --set train.factor=$f
        done
    done
done
"$PYTHON" "$(dirname "$0")/kappa_analyze.py" --manifest "$OUT/kappa_manifest.csv" "$MAN" \
    --out "$OUT" --yardstick "$OUT/yardstick.csv"
