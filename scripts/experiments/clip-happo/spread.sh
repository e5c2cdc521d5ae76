#!/usr/bin/env bash
# Seed 003 on the cooperative navigation world (issue 21): MPE simple_spread
# (env.name = spread, version 2 as the seed's code ran it), discrete moves,
# HAPPO's centralised critic on the global state (train.critic = central),
# own observation (kappa 0), 3 seeds; the world's copies split across the
# ranks, each agent trained on one.
#   - the variance claim: happo and clip-happo at N = 3, 10 and 20, the
#     per-position record of every iteration (/positions) -> variance.csv
#   - the return claim: happo, clip-happo, hatrpo, clip-hatrpo and mappo
#     (one shared actor, no sequence) at N = 3 and 10 -> returns.csv; at
#     N = 3, where 3 seeds did not settle it, the four sequential trainers
#     on 10 seeds
#   - the constrained task (collisions <= spread.collision_bound = 0.05 per
#     agent per step): scal-mappo-l and ippo-l (a multiplier per agent on its
#     own collisions, train.lagrangian = own) at N = 3 and 10 -> returns.csv
# The public code's spread settings where samarl has them (5 epochs,
# entropy 0.01, gamma 0.99, GAE 0.95, clip 0.2, delta 0.005 for the
# trust-region step), with a tenth of its samples (ITERS x 40 copies x 25
# steps, 6e5 per agent at the default, against its 1e7) and so more
# learning per sample: 8 minibatches (its 1) at lr 1e-3 (its 5e-4); the
# discrete version of the world (its runs: continuous actions).
#   SAMARL=build/samarl bash scripts/experiments/clip-happo/spread.sh
source "$(dirname "$0")/../common.sh"
OUT=${OUT_CLIP:-results/clip-happo}
mkdir -p "$OUT"
SEEDS=${SEEDS:-"1 2 3"}
SEEDS3=${SEEDS3:-"1 2 3 4 5 6 7 8 9 10"} # N = 3: the sequential trainers on 10 seeds
ITERS=${ITERS:-600}
SIZES=${SIZES:-"3 10 20"}
DUAL_LR=${DUAL_LR:-1}
COMMON=(--set env.name=spread --set spread.version=2 --set graph.type=complete
        --set env.horizon=25 --set train.copies=40 --set train.eval_copies=100
        --set train.iterations="$ITERS" --set train.eval_every=50 --set train.kappa=0
        --set train.critic=central --set train.lr=1e-3 --set train.epochs=5
        --set train.minibatches=8 --set train.entropy=0.01 --set train.gamma=0.99
        --set train.gae_lambda=0.95 --set train.clip=0.2 --set train.kl_threshold=0.005
        --set policy.hidden=64 --set train.critic_hidden=64)
MAN=$OUT/spread_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
algo_args() { # the trainer of an algo name into A
    case $1 in
        mappo) A=(--set train.algo=happo --set policy.sharing=shared) ;;
        scal-mappo-l | ippo-l) # own critics (the central one is the unconstrained trainers')
            A=(--set train.algo="$1" --set train.critic=local --set train.lagrangian=own
               --set train.dual_lr="$DUAL_LR") ;;
        *) A=(--set train.algo="$1") ;;
    esac
}
for n in $SIZES; do
    seeds=$SEEDS
    [ "$n" = 3 ] && seeds=$SEEDS3
    for s in $seeds; do
        algos="happo clip-happo"
        [ "$n" != 20 ] && algos="happo clip-happo hatrpo clip-hatrpo mappo scal-mappo-l ippo-l"
        case " $SEEDS " in *" $s "*) ;; *) algos="happo clip-happo hatrpo clip-hatrpo" ;; esac
        for a in $algos; do
            algo_args "$a"
            samarl_train "$MAN" exp=clip env=spread n=$n algo=$a seed=$s -- "${COMMON[@]}" "${A[@]}" \
                --set graph.agents="$n" --set run.seed="$s"
        done
    done
done
"$PYTHON" "$(dirname "$0")/analyze.py" --manifest "$OUT"/*_manifest.csv --out "$OUT"
