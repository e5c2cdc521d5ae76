#!/usr/bin/env bash
# The trained actors on the yardstick's horizon (issue 20): every training
# of kappa.sh, factor.sh and horizon.sh run by samarl run for DAYS days on its graph and
# seed, each agent starting from the multiplier its trainer left
# (dual.start = policy), held (dual.mode = fixed) or moved by local dual
# ascent on its own cost (local-cost, dual.eta = ETA); summaries over the
# second half, as yardstick.sh's. Then longrun.csv and longrun_table.md
# (longrun_analyze.py) beside the yardstick of the same graph and seed.
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/longrun.sh
# Run kappa.sh (and factor.sh, horizon.sh) first: their policy files are
# in $WORK. Runs whose JSON is already there are reused (FORCE=1 reruns).
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
DAYS=${DAYS:-28}
ETA=${ETA:-0.05}
MODES=${MODES:-"fixed local-cost"}
MAN=$OUT/longrun_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
MANIFESTS=${MANIFESTS:-"$OUT/kappa_manifest.csv $OUT/factor_manifest.csv $OUT/horizon_manifest.csv"}
for m in $MANIFESTS; do
    [ -s "$m" ] || continue
    mapfile -t lines < <(tail -n +2 "$m") # mpirun reads stdin: not from the manifest
    for line in "${lines[@]}"; do
        IFS=, read -r _ tags status _ json <<<"$line"
        [ "$status" = ok ] || continue
        declare -A T=()
        IFS=';' read -ra kv <<<"$tags"
        for x in "${kv[@]}"; do T[${x%%=*}]=${x#*=}; done
        g=${T[graph]} s=${T[seed]}
        graph_args "$g"
        for mode in $MODES; do
            samarl_run "$MAN" exp=longrun graph=$g algo=${T[algo]} kappa=${T[kappa]} seed=$s \
                mode=$mode -- "${G[@]}" --set env.name=drnet --set run.seed=$s --set env.seed=$s \
                --set run.days="$DAYS" --set output.agents=none --set policy.type=mlp \
                --set dual.mode=$mode --set dual.eta="$ETA" --set dual.start=policy \
                --policy "${json%.json}.h5"
        done
    done
done
"$PYTHON" "$(dirname "$0")/longrun_analyze.py" --manifest "$MAN" --out "$OUT" \
    --yardstick "$OUT/yardstick.csv"
