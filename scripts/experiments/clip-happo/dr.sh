#!/usr/bin/env bash
# Seed 003 on demand response (issue 21): DR-net's households with one team
# reward (train.critic = central, HAPPO's critic on the global state, or CRITIC=factored),
# own observation (kappa 0), 3 seeds.
#   - the variance claim: happo and clip-happo at N = 32 and 128, the
#     per-position record of every iteration (/positions) -> variance.csv
#   - the return claim: happo, clip-happo, hatrpo, clip-hatrpo and mappo
#     (one shared actor, no sequence) at N = 32 -> returns.csv
#   SAMARL=build/samarl bash scripts/experiments/clip-happo/dr.sh
source "$(dirname "$0")/../common.sh"
OUT=${OUT_CLIP:-results/clip-happo}
mkdir -p "$OUT"
SEEDS=${SEEDS:-"1 2 3"}
ITERS=${ITERS:-200}
SIZES=${SIZES:-"32 128"}
CRITIC=${CRITIC:-central}
COMMON=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set env.horizon=48
        --set train.copies=8 --set train.eval_copies=64 --set train.iterations="$ITERS"
        --set train.eval_every="$ITERS" --set train.kappa=0 --set train.critic="$CRITIC")
MAN=$OUT/dr_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
algo_args() { # the trainer of an algo name into A
    case $1 in
        mappo) A=(--set train.algo=happo --set policy.sharing=shared) ;;
        *) A=(--set train.algo="$1") ;;
    esac
}
for n in $SIZES; do
    for s in $SEEDS; do
        algos="happo clip-happo"
        [ "$n" = 32 ] && algos="happo clip-happo hatrpo clip-hatrpo mappo"
        for a in $algos; do
            algo_args "$a"
            samarl_train "$MAN" exp=clip env=dr n=$n algo=$a critic=$CRITIC seed=$s -- "${COMMON[@]}" "${A[@]}" \
                --set graph.agents="$n" --set run.seed="$s" --set env.seed="$s"
        done
    done
done
"$PYTHON" "$(dirname "$0")/analyze.py" --manifest "$OUT"/*_manifest.csv --out "$OUT"
