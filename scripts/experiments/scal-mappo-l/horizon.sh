#!/usr/bin/env bash
# Longer training episodes (issue 20): scal-mappo-l (kappa 2) with the
# factors in FACTORS trained on episodes of HORIZON steps (a week) instead
# of kappa.sh's 48, on the ring of 256 and case118, SEEDS seeds, the same
# iterations and copies; then longrun.sh runs them for the yardstick's 28
# days beside the 48-step trainings (rows scal-mappo-l/FACTOR/hHORIZON).
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/horizon.sh
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
FACTORS=${FACTORS:-"prod clip1"}
HORIZON=${HORIZON:-168}
ITERS=${ITERS:-80}
GRAPHS=${GRAPHS:-"ring case118"}
COMMON=(--set env.name=drnet --set env.horizon="$HORIZON" --set train.copies=8
        --set train.eval_copies=16 --set train.iterations="$ITERS" --set train.eval_every="$ITERS"
        --set train.dual_lr=2 --set train.algo=scal-mappo-l --set train.kappa=2)
MAN=$OUT/horizon_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
for g in $GRAPHS; do
    graph_args "$g"
    for s in $SEEDS; do
        for f in $FACTORS; do
            samarl_train "$MAN" exp=horizon graph=$g algo=scal-mappo-l/$f/h$HORIZON kappa=2 \
                seed=$s -- "${COMMON[@]}" "${G[@]}" --set run.seed=$s --set env.seed=$s \
                --set train.factor=$f
        done
    done
done
bash "$(dirname "$0")/longrun.sh"
