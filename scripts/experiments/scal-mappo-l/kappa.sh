#!/usr/bin/env bash
# Scal-MAPPO-L against kappa (issue 20): scal-mappo-l at kappa in KAPPAS,
# ippo-l (kappa 0, independent updates), happo (no constraint, kappa 1) and,
# on MAPPO_GRAPHS, mappo-l-local (MAPPO-L: critics on the global state,
# kappa 1 actors as MAPPO-L's agent_obsk = 1) on DR-net, on a ring (k = 2)
# of 256 agents, a ring of 64 (ring64) and on case118 (118 agents) with its
# bus loads and the CityLearn profiles; SEEDS seeds (run.seed =
# env.seed), ITERS iterations of train.copies x env.horizon samples.
# Then kappa.csv, the table and the figures (kappa_analyze.py), with the
# yardstick's reward from yardstick.sh's runs and factor.sh's trainings
# where they exist.
#   SAMARL=build/samarl bash scripts/experiments/scal-mappo-l/kappa.sh
# Trainings whose JSON is already in $WORK are reused (FORCE=1 reruns them).
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
OUT=${OUT_SCAL:-results/scal-mappo-l}
SEEDS=${SEEDS:-"1 2 3"}
KAPPAS=${KAPPAS:-"0 1 2 3"}
ITERS=${ITERS:-80}
GRAPHS=${GRAPHS:-"ring case118 ring64"}
MAPPO_GRAPHS=${MAPPO_GRAPHS:-"ring64 case118"}
COMMON=(--set env.name=drnet --set env.horizon=48 --set train.copies=8 --set train.eval_copies=64
        --set train.iterations="$ITERS" --set train.eval_every="$ITERS" --set train.dual_lr=2)
mkdir -p "$OUT"
MAN=$OUT/kappa_manifest.csv
echo "id,tags,status,wall_s,json" >"$MAN"
for g in $GRAPHS; do
    graph_args "$g"
    for s in $SEEDS; do
        S=(--set run.seed=$s --set env.seed=$s)
        for k in $KAPPAS; do
            samarl_train "$MAN" exp=kappa graph=$g algo=scal-mappo-l kappa=$k seed=$s -- \
                "${COMMON[@]}" "${G[@]}" "${S[@]}" --set train.algo=scal-mappo-l --set train.kappa=$k
        done
        samarl_train "$MAN" exp=kappa graph=$g algo=ippo-l kappa=0 seed=$s -- \
            "${COMMON[@]}" "${G[@]}" "${S[@]}" --set train.algo=ippo-l
        samarl_train "$MAN" exp=kappa graph=$g algo=happo kappa=1 seed=$s -- \
            "${COMMON[@]}" "${G[@]}" "${S[@]}" --set train.algo=happo --set train.kappa=1
        case " $MAPPO_GRAPHS " in *" $g "*)
            samarl_train "$MAN" exp=kappa graph=$g algo=mappo-l-local kappa=1 seed=$s -- \
                "${COMMON[@]}" "${G[@]}" "${S[@]}" --set train.algo=mappo-l-local \
                --set train.kappa=1 ;;
        esac
    done
done
"$PYTHON" "$(dirname "$0")/kappa_analyze.py" --manifest "$MAN" "$OUT/factor_manifest.csv" \
    --out "$OUT" --yardstick "$OUT/yardstick.csv"
