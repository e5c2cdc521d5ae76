#!/usr/bin/env bash
# The main job (make run): train per-agent state-augmented policies for a few
# hundred agents on a generated small-world graph, execute them with the
# multipliers agreed by consensus and with every baseline, and compare.
#
#   scripts/main_job.sh [NP]        NP ranks (default: all cores)
#
# Writes results/run/: policy.h5 (+ .json), run-MODE.h5 (+ .json) for each
# dual mode, main.csv (the comparison table) and main.png (multipliers and
# slack over time). Takes about two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
NP=${1:-${NP:-$(nproc 2>/dev/null || echo 2)}}
MPIRUN=${MPIRUN:-mpirun}
SAMARL=$BUILD/samarl
OUT=results/run
mkdir -p "$OUT"
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1
# 256 households on a small-world graph (3 neighbours a side, 10% rewired).
COMMON=(--set graph.agents=256 --set graph.type=smallworld --set graph.k=3 --set graph.p=0.1)
TRAIN=(--set train.copies=16 --set train.iterations=150 --set train.eval_every=25)

echo "== 1/3 training per-agent policies: 256 agents x 16 copies x 168 steps x 150 iterations"
$MPIRUN -np "$NP" "$SAMARL" train "${COMMON[@]}" "${TRAIN[@]}" -o "$OUT/policy.h5" |
  grep -E '^(iter|trained|final|wrote)'

echo "== 2/3 executing 28 days with each way of setting the multipliers"
for mode in none fixed local central consensus consensus-paper tracking; do
  extra=()
  [[ $mode == fixed ]] && extra=(--set dual.lambda0=0.2)
  $MPIRUN -np "$NP" "$SAMARL" run -q "${COMMON[@]}" --policy "$OUT/policy.h5" \
    --set dual.mode=$mode "${extra[@]}" -o "$OUT/run-$mode.h5" | grep -E '^ran' | sed "s/^/  $mode: /"
done
$MPIRUN -np "$NP" "$SAMARL" run -q "${COMMON[@]}" --set policy.type=bestresponse \
  --set dual.mode=consensus -o "$OUT/run-bestresponse.h5" | grep -E '^ran' | sed "s/^/  consensus (best response): /"

echo "== 3/3 comparison"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
$PY scripts/main_table.py "$OUT" none fixed local central consensus consensus-paper tracking bestresponse
