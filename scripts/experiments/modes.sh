#!/usr/bin/env bash
# (a) dual.mode none / local / central / consensus / tracking side by side,
# 1000 agents, with the best-response policy and with the trained shared
# policy ($POLICY, made by train_policy.sh). Graphs: ring k=2 (the main
# table) and the default small world (k=3, p=0.1).
source "$(dirname "$0")/common.sh"
POLICY=${POLICY:-$WORK/p1000.h5}
MAN=$OUT/manifest_modes.csv
echo "id,tags,status,wall_s,json" >"$MAN"
MODES=${MODES:-"none local central consensus consensus-paper tracking"}
for graph in ring2 smallworld; do
    case $graph in
        ring2) G=(--set graph.type=ring --set graph.k=2) ;;
        smallworld) G=(--set graph.type=smallworld --set graph.k=3 --set graph.p=0.1) ;;
    esac
    for pol in bestresponse trained; do
        case $pol in
            bestresponse) P=(--set policy.type=bestresponse) ;;
            trained)
                if [ ! -s "$POLICY" ]; then echo "no $POLICY: skipping trained rows (run train_policy.sh)" >&2; continue; fi
                P=(--set policy.type=mlp --set policy.sharing=shared --policy "$POLICY") ;;
        esac
        for mode in $MODES; do
            samarl_run "$MAN" exp=modes net=$graph policy=$pol mode=$mode K=5 -- \
                --set graph.agents=1000 "${G[@]}" "${P[@]}" --set dual.mode=$mode --set dual.rounds=5
        done
    done
done
