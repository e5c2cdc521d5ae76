#!/usr/bin/env bash
# Longer training episodes (issue 20): scal-mappo-l (kappa 2) with the
# factors in FACTORS trained on episodes of HORIZON steps (a week) instead
# of kappa.sh's 48, on the ring of 256 and case118, SEEDS seeds, the same
# iterations and copies; then longrun.sh runs them for the yardstick's 28
# days beside the 48-step trainings (rows scal-mappo-l/FACTOR/hHORIZON).
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/horizon.sh
source "$(dirname "$0")/../common.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
FACTORS=${FACTORS:-"prod clip1"}
HORIZON=${HORIZON:-168}
ITERS=${ITERS:-80}
GRAPHS=${GRAPHS:-"ring case118"}
PROFILES=${PROFILES:-${SAMARL_SHARED:-../shared}/data/citylearn2022/profiles.csv}
COMMON=(--set env.name=drnet --set env.horizon="$HORIZON" --set train.copies=8
        --set train.eval_copies=16 --set train.iterations="$ITERS" --set train.eval_every="$ITERS"
        --set train.dual_lr=2 --set train.algo=scal-mappo-l --set train.kappa=2)
MAN=$OUT/horizon_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
for g in $GRAPHS; do
    case $g in
        ring) G=(--set graph.type=ring --set graph.k=2 --set graph.agents=256) ;;
        ring64) G=(--set graph.type=ring --set graph.k=2 --set graph.agents=64) ;;
        *) G=(--set graph.type=file --set graph.path="$GRIDS/$g.graph"
              --set env.nodes="$GRIDS/$g.nodes.csv" --set env.profiles="$PROFILES") ;;
    esac
    for s in $SEEDS; do
        for f in $FACTORS; do
            id="exp_horizon_graph_${g}_factor_${f}_h${HORIZON}_seed_$s"
            json="$WORK/$id.json" status=ok
            if [ "${FORCE:-0}" = 1 ] || [ ! -s "$json" ]; then
                $MPIRUN -np "$NP" "$SAMARL" train -q "${COMMON[@]}" "${G[@]}" \
                    --set run.seed=$s --set env.seed=$s --set train.factor=$f \
                    -o "$WORK/$id.h5" >"$WORK/$id.log" 2>&1 </dev/null || status=failed
            fi
            [ -s "$json" ] || status=failed
            echo "$id,exp=horizon;graph=$g;algo=scal-mappo-l/$f/h$HORIZON;kappa=2;seed=$s,$status,0,$json" >>"$MAN"
            printf '  %-60s %s\n' "$id" "$status"
        done
    done
done
bash "$(dirname "$0")/longrun.sh"
