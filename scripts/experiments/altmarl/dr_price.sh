#!/usr/bin/env bash
# Seed 002 on demand response (issue 22): "could a central agent simply set
# the price?" A price-setting aggregator that sees k of N households
# (dual.mode = sampled, dual.sample_k = k) against the exact central oracle
# (central), consensus and tracking, on the same households (seed 000's
# state-augmented policies: the analytic best response at N = 10^4, the
# trained shared network $POLICY at N = 1000 when it exists), a small-world
# graph (k = 3, p = 0.1), 3 seeds each.
# -> results/altmarl/dr_price.csv, claims_dr_price.md, fig_dr_price.png.
#   bash scripts/experiments/altmarl/dr_price.sh    # ~5 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_ALT:-results/altmarl}
POLICY=${POLICY:-$WORK/p1000.h5}
KS=${KS:-"1 10 100 1000 10000"}
MAN=$WORK/manifest_dr_price.csv
echo "id,tags,status,wall_s,json" >"$MAN"
G=(--set graph.type=smallworld --set graph.k=3 --set graph.p=0.1)
for pol in bestresponse trained; do
    case $pol in
        bestresponse) N=10000; P=(--set policy.type=bestresponse) ;;
        trained)
            if [ ! -s "$POLICY" ]; then echo "no $POLICY: skipping trained rows (train_policy.sh)" >&2; continue; fi
            N=1000; P=(--set policy.type=mlp --set policy.sharing=shared --policy "$POLICY") ;;
    esac
    for seed in 1 2 3; do
        for mode in central consensus tracking; do
            samarl_run "$MAN" exp=drprice policy=$pol N=$N seed=$seed mode=$mode k=0 -- \
                --set graph.agents=$N "${G[@]}" "${P[@]}" --set run.seed=$seed --set dual.mode=$mode
        done
        for k in $KS; do
            [ "$k" -le "$N" ] || continue
            samarl_run "$MAN" exp=drprice policy=$pol N=$N seed=$seed mode=sampled k=$k -- \
                --set graph.agents=$N "${G[@]}" "${P[@]}" --set run.seed=$seed \
                --set dual.mode=sampled --set dual.sample_k=$k
        done
    done
done
"$PYTHON" "$(dirname "$0")/analyze_dr.py" --manifest "$MAN" --out "$OUT"
