#!/usr/bin/env bash
# Mean-field MARL on the Ising model (seed 004, issue 24): train.algo = mfq,
# mfac and iql on env.name = ising over an L x L torus (graph.type =
# grid2d), the mean-field paper's code's settings (lr 0.1, temperature 1,
# every agent learning every step, random start):
#  - 20 x 20, seeds SEEDS, 10^4 steps (100 iterations of 100 steps);
#  - 1000 x 1000 (10^6 spins) on NP ranks, BIG_STEPS (10^4) steps of mfq and iql;
#  - seconds per step against N = 32^2 .. 1000^2 for the three trainers
#    (SCALE_STEPS steps each, NP ranks).
# -> results/meanfield/ising.csv, ising_big.csv, scaling.csv, ising.md,
#    fig_ising.png, fig_scaling.png
#   bash scripts/experiments/meanfield/ising.sh     # ~11 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_MF:-results/meanfield}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
BIG_STEPS=${BIG_STEPS:-10000}
SCALE_STEPS=${SCALE_STEPS:-200}
SIDES=${SIDES:-"32 100 316 1000"}
SETS=${SETS:-"small big scale"} # which of the three to run (timings want a quiet machine)
WORK=$WORK/mf
mkdir -p "$OUT" "$WORK"
MAN=$WORK/manifest_mf.csv
echo "id,tags,status,wall_s,json" >"$MAN"
IS=(--set env.name=ising --set graph.type=grid2d)
has() { [[ " $SETS " == *" $1 "* ]]; }
RUNS_TOTAL=0
has small && RUNS_TOTAL=$((RUNS_TOTAL + 3 * $(wc -w <<<"$SEEDS")))
has big && RUNS_TOTAL=$((RUNS_TOTAL + 2))
has scale && RUNS_TOTAL=$((RUNS_TOTAL + 3 * $(wc -w <<<"$SIDES")))
RUNS_T0=$(date +%s)
has small && for algo in mfq mfac iql; do
  for seed in $SEEDS; do
    samarl_train "$MAN" set=small algo=$algo seed=$seed side=20 -- "${IS[@]}" --set graph.agents=400 \
      --set train.algo=$algo --set run.seed=$seed --set mf.steps=100 --set train.iterations=100 \
      --set train.eval_every=100
  done
done
has big && for algo in mfq iql; do
  samarl_train "$MAN" set=big algo=$algo seed=1 side=1000 steps=$BIG_STEPS -- "${IS[@]}" --set graph.agents=1000000 \
    --set train.algo=$algo --set mf.steps=100 --set train.iterations=$((BIG_STEPS / 100)) \
    --set train.eval_every=$((BIG_STEPS / 100))
done
has scale && for algo in mfq mfac iql; do
  for side in $SIDES; do
    samarl_train "$MAN" set=scale algo=$algo seed=1 side=$side -- "${IS[@]}" \
      --set graph.agents=$((side * side)) --set train.algo=$algo --set mf.steps=$SCALE_STEPS \
      --set train.iterations=1 --set train.eval_every=1
  done
done
"$PYTHON" "$(dirname "$0")/ising.py" --manifest "$MAN" --out "$OUT"
