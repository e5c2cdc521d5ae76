#!/usr/bin/env bash
# Seed 002 (issue 22), the continuous task: ALTERNATING-MARL with networks
# (train.algo = altmarl-fa) on the public code's warehouse task with its
# protocol (run_experiment.py: per k 3 trainings of 10 rounds, the best by
# 20 rollouts at seed 0, then 10 evaluation seeds x 30 rollouts x 50 steps;
# mode accuracy on 1000 starts and 5 x 500), n = 500, the public k and the
# issue's; the fully random baseline and a random dispatcher with the
# trained robots. -> results/altmarl/reward_vs_k.csv (env warehouse rows),
# mode_accuracy_vs_k.csv, runtime_vs_k_continuous.csv, claims_continuous.md,
# figures (analyze_fa.py).
#   SAMARL_BUILD=build bash scripts/experiments/altmarl/sweep_fa.sh   # ~10 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_ALT:-results/altmarl}
BUILD=${SAMARL_BUILD:-build}
KS=${KS:-"1 3 5 10 20 25 35 50 75"}
N=${N_FA:-500}
mkdir -p "$OUT"
B="$BUILD/bench/bench_altmarl_fa"
[ -x "$B" ] || make -s "$B"
$MPIRUN -np "$NP" "$B" "$N" 3 10 "$WORK/fa_r.csv" "$OUT/mode_accuracy_vs_k.csv" \
    "$OUT/runtime_vs_k_continuous.csv" $KS | tee "$WORK/fa.log"
# reward_vs_k.csv holds both tasks: this script's rows (env warehouse)
# replace their own.
{ if [ -f "$OUT/reward_vs_k.csv" ]; then grep -v '^warehouse,' "$OUT/reward_vs_k.csv"
  else head -1 "$WORK/fa_r.csv"; fi
  tail -n +2 "$WORK/fa_r.csv"; } >"$WORK/fa_all.csv"
mv "$WORK/fa_all.csv" "$OUT/reward_vs_k.csv"
"$PYTHON" "$(dirname "$0")/analyze_fa.py" --out "$OUT"
