#!/usr/bin/env bash
# The sequential update's factor (issue 20): scal-mappo-l at kappa 2 with
# train.factor = clip1 (the product capped at 1, as seed 003 clips it) and
# none (independent updates) beside kappa.sh's prod, on the same graphs,
# seeds and budget; rows join kappa.csv with algo scal-mappo-l/FACTOR.
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/factor.sh
# kappa_analyze.py (called by kappa.sh, or as below) reads both manifests.
source "$(dirname "$0")/../common.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
FACTORS=${FACTORS:-"clip1 none"}
ITERS=${ITERS:-80}
GRAPHS=${GRAPHS:-"ring case118 ring64"}
PROFILES=${PROFILES:-${SAMARL_SHARED:-../shared}/data/citylearn2022/profiles.csv}
COMMON=(--set env.name=drnet --set env.horizon=48 --set train.copies=8 --set train.eval_copies=64
        --set train.iterations="$ITERS" --set train.eval_every="$ITERS" --set train.dual_lr=2)
MAN=$OUT/factor_manifest.csv
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
            id="exp_factor_graph_${g}_factor_${f}_seed_$s"
            json="$WORK/$id.json" status=ok
            if [ "${FORCE:-0}" = 1 ] || [ ! -s "$json" ]; then
                $MPIRUN -np "$NP" "$SAMARL" train -q "${COMMON[@]}" "${G[@]}" \
                    --set run.seed=$s --set env.seed=$s --set train.algo=scal-mappo-l \
                    --set train.kappa=2 --set train.factor=$f -o "$WORK/$id.h5" \
                    >"$WORK/$id.log" 2>&1 || status=failed
            fi
            [ -s "$json" ] || status=failed
            echo "$id,exp=factor;graph=$g;algo=scal-mappo-l/$f;kappa=2;seed=$s,$status,0,$json" >>"$MAN"
            printf '  %-60s %s\n' "$id" "$status"
        done
    done
done
"$PYTHON" "$(dirname "$0")/kappa_analyze.py" --manifest "$OUT/kappa_manifest.csv" "$MAN" \
    --out "$OUT" --yardstick "$OUT/yardstick.csv"
