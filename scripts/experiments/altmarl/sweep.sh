#!/usr/bin/env bash
# Seed 002 (issue 22), the tabular task: ALTERNATING-MARL on the public
# code's robots task, its protocol (every k trained from scratch, 15
# evaluation seeds x 50 rollouts x 50 steps), n = 1000 local agents, k =
# 1..50; then n = 10^6 at a few k (15 seeds x ROLLOUTS_BIG rollouts) on the
# same 2 ranks. -> results/altmarl/reward_vs_k.csv, runtime_vs_k.csv,
# README figures and table (analyze.py).
#   SAMARL_BUILD=build bash scripts/experiments/altmarl/sweep.sh   # ~15 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_ALT:-results/altmarl}
BUILD=${SAMARL_BUILD:-build}
BIG_K=${BIG_K:-"1 10 25"}
ROLLOUTS_BIG=${ROLLOUTS_BIG:-2}
LONG_K=${LONG_K:-"1 5 10 15 20 25 28 30 35 40 45 50"}
mkdir -p "$OUT"
B="$BUILD/bench/bench_altmarl"
[ -x "$B" ] || make -s "$B"
$MPIRUN -np "$NP" "$B" 1000 1 50 15 50 50 "$WORK/alt_r1000.csv" "$WORK/alt_t1000.csv"
$MPIRUN -np "$NP" "$B" 1000000 1 1 15 "$ROLLOUTS_BIG" 50 "$WORK/alt_r1e6.csv" "$WORK/alt_t1e6.csv" $BIG_K
# The same without the public code's stopping rule (two consecutive judged
# values within 1%), 10 rounds: does the alternation stop short?
ALTMARL_ROUNDS=10 ALTMARL_NOSTOP=1 $MPIRUN -np "$NP" "$B" 1000 1 1 15 50 50 \
    "$OUT/reward_vs_k_10rounds.csv" "$OUT/runtime_vs_k_10rounds.csv" $LONG_K
# reward_vs_k.csv holds both tasks: this script's rows (env robots) replace
# their own, the continuous task's (sweep_fa.sh) stay.
{ cat "$WORK/alt_r1000.csv"; tail -n +2 "$WORK/alt_r1e6.csv"
  [ -f "$OUT/reward_vs_k.csv" ] && grep -v '^robots,\|^env,' "$OUT/reward_vs_k.csv" || true
} >"$WORK/alt_r.csv"
mv "$WORK/alt_r.csv" "$OUT/reward_vs_k.csv"
{ cat "$WORK/alt_t1000.csv"; tail -n +2 "$WORK/alt_t1e6.csv"; } >"$OUT/runtime_vs_k.csv"
"$PYTHON" "$(dirname "$0")/analyze.py" --out "$OUT"
