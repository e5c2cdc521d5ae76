#!/usr/bin/env bash
# Mean-field MARL on the Ising model (seed 004, issue 24): train.algo = mfq,
# mfac and iql on env.name = ising over an L x L torus (graph.type =
# grid2d), the mean-field paper's code's settings (lr 0.1, temperature 1,
# every agent learning every step, random start):
#  - 20 x 20, seeds SEEDS, 10^4 steps (100 iterations of 100 steps);
#  - 1000 x 1000 (10^6 spins) on NP ranks, BIG_STEPS (10^4) steps of mfq and iql;
#  - seconds per step against N = 32^2 .. 1000^2 for the three trainers
#    (SCALE_STEPS steps each, NP ranks);
#  - the same 10^6 spins for 100 steps on 1, 2, 3 and 4 ranks: identical files.
# -> results/meanfield/ising.csv, ising_big.csv, scaling.csv, ising.md, bits.md,
#    fig_ising.png, fig_scaling.png
#   bash scripts/experiments/meanfield/ising.sh     # ~11 min on 2 cores (4 ranks on fewer
#   cores: export OMPI_MCA_rmaps_base_oversubscribe=1)
source "$(dirname "$0")/../common.sh"
OUT=${OUT_MF:-results/meanfield}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
BIG_STEPS=${BIG_STEPS:-10000}
SCALE_STEPS=${SCALE_STEPS:-200}
SIDES=${SIDES:-"32 100 316 1000"}
SETS=${SETS:-"small big scale bits"} # which parts to run (timings want a quiet machine)
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
# The same bits on 1-4 ranks at 10^6 spins: 100 steps of mfq on each rank
# count, every agent's table and spin compared with h5diff (-> bits.md).
if has bits; then
  BITS=(--set env.name=ising --set graph.type=grid2d --set graph.agents=1000000 --set train.algo=mfq
        --set mf.steps=100 --set train.iterations=1 --set train.eval_every=1)
  for np in 1 2 3 4; do
    $MPIRUN -np $np "$SAMARL" train -q "${BITS[@]}" -o "$WORK/bits$np.h5" >"$WORK/bits$np.log" 2>&1
  done
  { echo "# MF-Q at 10^6 spins, 100 steps: the policy file's tables and spins on 1-4 ranks"; echo
    echo "| ranks | /mf/q, /mf/spin, /mf/order against 1 rank | order after 100 steps |"; echo "|---|---|---|"
    for np in 1 2 3 4; do
      if h5diff -q "$WORK/bits1.h5" "$WORK/bits$np.h5" /mf /mf >/dev/null 2>&1; then v="identical"; else v="DIFFERENT"; fi
      echo "| $np | $v | $("$PYTHON" -c "import h5py,sys; print(h5py.File(sys.argv[1])['mf/order'][-1])" "$WORK/bits$np.h5") |"
    done; } >"$OUT/bits.md"
  cat "$OUT/bits.md"
fi
"$PYTHON" "$(dirname "$0")/ising.py" --manifest "$MAN" --out "$OUT"
