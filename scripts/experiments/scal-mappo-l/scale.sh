#!/usr/bin/env bash
# Seconds per iteration against N (issue 20): scal-mappo-l (kappa 2, random
# order, gid order, and the colour variant) on DR-net on a random geometric graph of N agents, NS
# sizes from 64 to 10^4 (halo.max_ghost_share = 1: at 64 agents two hops
# reach more than half of the other rank), and mappo-l-local (MAPPO-L: the
# same actors, critics on the global state) until its memory guard refuses;
# ITERS iterations each on NP ranks, peak memory from the JSON record.
# Then scale.csv with the fitted log-log slopes (scale_analyze.py).
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/scale.sh
source "$(dirname "$0")/../common.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
NS=${NS:-"64 256 1024 4096 10000"}
MAPPO_NS=${MAPPO_NS:-"64 128 256 512 1024 2048"}
ITERS=${ITERS:-2}
COMMON=(--set env.horizon=48 --set train.copies=8 --set train.eval_copies=1
        --set train.iterations="$ITERS" --set train.eval_every=0 --set graph.type=rgg
        --set graph.allow_disconnected=true --set train.save_adam=false
        --set halo.max_ghost_share=1)
mkdir -p "$OUT"
MAN=$OUT/scale_manifest.csv
echo "algo,order,n_agents,status,json" >"$MAN"
one() { # ALGO ORDER N ARGS...
    local algo=$1 order=$2 n=$3; shift 3
    local id="scale_${algo}_${order}_$n" status=ok
    rm -f "$WORK/$id.json"
    $MPIRUN -np "$NP" "$SAMARL" train -q "${COMMON[@]}" --set graph.agents="$n" "$@" \
        -o "$WORK/$id.h5" >"$WORK/$id.log" 2>&1 || status=failed
    grep -q "MemAvailable" "$WORK/$id.log" && status=refused
    echo "$algo,$order,$n,$status,$WORK/$id.json" >>"$MAN"
    printf '  %-40s %s\n' "$id" "$status"
    [ "$status" = ok ]
}
for order in ${ORDERS:-random fixed colour}; do
    for n in $NS; do
        one scal-mappo-l $order "$n" --set env.name=drnet --set train.algo=scal-mappo-l \
            --set train.kappa=2 --set train.order=$order || break
    done
done
for n in $MAPPO_NS; do
    one mappo-l-local random "$n" --set env.name=drnet --set train.algo=mappo-l-local \
        --set train.kappa=2 || break
done
"$PYTHON" "$(dirname "$0")/scale_analyze.py" --manifest "$MAN" --out "$OUT"
