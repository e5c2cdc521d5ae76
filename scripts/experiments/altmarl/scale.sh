#!/usr/bin/env bash
# Seed 002 (issue 22), scale: the tabular ALTERNATING-MARL (bench_altmarl,
# the library's altmarl.c) at k = 10 with n = 10^3 .. 10^6 local agents on
# NP ranks (time per simulated step, the bytes each rank reduces per step),
# and n = 10^6 trained and evaluated on 1, 2, 3 and 4 ranks (every return
# printed to 17 digits, compared) -> results/altmarl/scale_vs_n.csv,
# scale_ranks_1e6.csv, claims_scale.md, fig_time_per_step_vs_n.png.
#   SAMARL_BUILD=build bash scripts/experiments/altmarl/scale.sh   # ~12 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_ALT:-results/altmarl}
BUILD=${SAMARL_BUILD:-build}
K=${K_SCALE:-10}
NS=${NS_SCALE:-"1000 10000 100000 1000000"}
mkdir -p "$OUT"
B="$BUILD/bench/bench_altmarl"
[ -x "$B" ] || make -s "$B"
# time per step against n: 1 evaluation seed x 4 rollouts x 50 steps
echo "ranks,env,n_agents,k,rounds,train_s,eval_s,agent_steps_per_s,bytes_per_step" >"$WORK/scale_t.csv"
for n in $NS; do
  $MPIRUN -np "$NP" "$B" "$n" 1 1 1 4 50 "$WORK/scale_r_$n.csv" "$WORK/scale_t_$n.csv" "$K"
  tail -n +2 "$WORK/scale_t_$n.csv" | sed "s/^/$NP,/" >>"$WORK/scale_t.csv"
done
mv "$WORK/scale_t.csv" "$OUT/scale_vs_n.csv"
# n = 10^6 on 1-4 ranks: the same returns, digit for digit
echo "ranks,env,n_agents,k,seed,reward,train_s,eval_s" >"$WORK/scale_np.csv"
for np in 1 2 3 4; do
  OMPI_MCA_rmaps_base_oversubscribe=1 $MPIRUN -np "$np" "$B" 1000000 1 1 2 2 50 \
    "$WORK/np_r_$np.csv" "$WORK/np_t_$np.csv" "$K"
  IFS=, read -r _ _ _ _ tr ev _ _ < <(tail -1 "$WORK/np_t_$np.csv")
  tail -n +2 "$WORK/np_r_$np.csv" | sed "s/^/$np,/; s/\$/,$tr,$ev/" >>"$WORK/scale_np.csv"
done
mv "$WORK/scale_np.csv" "$OUT/scale_ranks_1e6.csv"
"$PYTHON" "$(dirname "$0")/analyze_scale.py" --out "$OUT"
