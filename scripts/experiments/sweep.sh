#!/usr/bin/env bash
# (b)-(d) consensus rounds K x graph connectivity, best-response policy.
# For every graph: the central oracle once, and dual.mode consensus (and
# tracking, SWEEP_MODES) for K = dual.rounds in KS. One extra short run per
# graph with many Lanczos steps gives a converged sigma for (c).
# Graphs (1000 agents unless from a file):
#   ring k=1..5; rgg radius in RGG_RADII; smallworld k=3, p in SW_PS;
#   the grids $GRIDS/*.graph (synthetic demand scales: only the
#   communication graph changes) and again with the grids' own loads
#   (env.nodes = the .nodes.csv beside the graph; negative loads count as
#   zero). The grids with their loads and CityLearn profiles, with trained
#   per-agent policies, are grids.sh's.
source "$(dirname "$0")/common.sh"
KS=${KS:-"1 2 5 10 20 50"}
SWEEP_MODES=${SWEEP_MODES:-"consensus consensus-paper tracking"}
RINGS=${RINGS:-"1 2 3 4 5"}
RGG_RADII=${RGG_RADII:-"0.07 0.1 0.15 0.25"}
SW_PS=${SW_PS:-"0 0.01 0.05 0.1 0.3 1"}
SIGMA_ITERS=${SIGMA_ITERS:-100000}
MAN=$OUT/manifest_sweep.csv
echo "id,tags,status,wall_s,json" >"$MAN"
BASE=(--set policy.type=bestresponse --set output.agents=none)

graphs=()
for k in $RINGS; do graphs+=("ring|k=$k|--set graph.agents=1000 --set graph.type=ring --set graph.k=$k"); done
for r in $RGG_RADII; do graphs+=("rgg|r=$r|--set graph.agents=1000 --set graph.type=rgg --set graph.radius=$r"); done
for p in $SW_PS; do graphs+=("smallworld|p=$p|--set graph.agents=1000 --set graph.type=smallworld --set graph.k=3 --set graph.p=$p"); done
for f in "$GRIDS"/*.graph; do
    [ -e "$f" ] || continue
    g=$(basename "$f" .graph)
    graphs+=("grid|$g|--set graph.type=file --set graph.path=$f")
    nodes="${f%.graph}.nodes.csv"
    if [ -e "$nodes" ]; then
        # negative loads (buses that inject power) count as zero
        # (env.negative_loads = clip), then are raised to env.min_scale
        graphs+=("gridload|$g|--set graph.type=file --set graph.path=$f --set env.nodes=$nodes")
    fi
done

for entry in "${graphs[@]}"; do
    IFS='|' read -r fam param gargs <<<"$entry"
    read -r -a G <<<"$gargs"
    echo "$fam $param"
    samarl_run "$MAN" exp=sigma family=$fam param=$param mode=consensus K=1 -- \
        "${BASE[@]}" "${G[@]}" --set dual.mode=consensus --set dual.rounds=1 --set run.steps=1 \
        --set consensus.sigma_iters="$SIGMA_ITERS" --set consensus.sigma_tol=1e-12
    samarl_run "$MAN" exp=sweep family=$fam param=$param mode=central K=0 -- \
        "${BASE[@]}" "${G[@]}" --set dual.mode=central
    for mode in $SWEEP_MODES; do
        for K in $KS; do
            samarl_run "$MAN" exp=sweep family=$fam param=$param mode=$mode K=$K -- \
                "${BASE[@]}" "${G[@]}" --set dual.mode=$mode --set dual.rounds=$K
        done
    done
done
