#!/usr/bin/env bash
# Seed 000 on the real grids (issue 18): the four shipped transmission grids
# with their own bus loads (negative loads count as zero) and the CityLearn
# 2022 profiles, the best-response policy, every dual mode, consensus rounds
# K in KS, SEEDS seeds (run.seed = env.seed). Then the table and figures in
# $OUT/grids (scripts/experiments/grids_analyze.py).
#   SAMARL=build/samarl bash scripts/experiments/grids.sh
# Runs whose JSON is already in $WORK are reused (FORCE=1 reruns them).
source "$(dirname "$0")/common.sh"
KS=${KS:-"1 2 5 10 20 50"}
SEEDS=${SEEDS:-"1 2 3"}
DAYS=${DAYS:-28}
MIX_MODES=${MIX_MODES:-"consensus consensus-paper tracking"}
FLAT_MODES=${FLAT_MODES:-"central local none"}
GRID_NAMES=${GRID_NAMES:-"case118 case300 case2383wp case_ACTIVSg2000"}
PROFILES=${PROFILES:-${SAMARL_SHARED:-../shared}/data/citylearn2022/profiles.csv}
POLICY_DIR=${POLICY_DIR:-}
mkdir -p "$OUT/grids"
MAN=$OUT/grids/manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
for g in $GRID_NAMES; do
    G=(--set graph.type=file --set graph.path="$GRIDS/$g.graph" --set env.nodes="$GRIDS/$g.nodes.csv"
       --set env.profiles="$PROFILES" --set run.days="$DAYS" --set output.agents=none)
    pols="bestresponse"
    [ -n "$POLICY_DIR" ] && [ -s "$POLICY_DIR/$g.h5" ] && pols="bestresponse trained"
    for pol in $pols; do
        case $pol in
            bestresponse) P=(--set policy.type=bestresponse) ;;
            trained) P=(--policy "$POLICY_DIR/$g.h5") ;;
        esac
        for s in $SEEDS; do
            # A trained policy belongs to its environment (env.seed draws the
            # households): its seeds vary the run's demand noise only.
            S=(--set run.seed=$s --set env.seed=$s)
            [ "$pol" = trained ] && S=(--set run.seed=$s)
            for m in $FLAT_MODES; do
                samarl_run "$MAN" exp=grids grid=$g policy=$pol seed=$s mode=$m K=0 -- \
                    "${G[@]}" "${P[@]}" "${S[@]}" --set dual.mode=$m
            done
            for m in $MIX_MODES; do
                for k in $KS; do
                    samarl_run "$MAN" exp=grids grid=$g policy=$pol seed=$s mode=$m K=$k -- \
                        "${G[@]}" "${P[@]}" "${S[@]}" --set dual.mode=$m --set dual.rounds=$k
                done
            done
            # consensus with the share-weighted mixing (dual.mixing = weighted,
            # docs/theory.md) beside the default plain mixing, at K = 5
            [ "$pol" = bestresponse ] && samarl_run "$MAN" exp=grids grid=$g policy=$pol seed=$s \
                mode=consensus-weighted K=5 -- "${G[@]}" "${P[@]}" "${S[@]}" --set dual.mode=consensus \
                --set dual.mixing=weighted --set dual.rounds=5
        done
    done
done
"$PYTHON" "$(dirname "$0")/grids_analyze.py" --manifest "$MAN" --out "$OUT/grids"
