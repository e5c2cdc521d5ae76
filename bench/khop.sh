#!/usr/bin/env bash
# kappa-hop halo: bytes and time per exchange (one double per agent) for
# kappa = 1..4, direct from the owners against relayed one hop per round, on
# rgg 10^5 agents (configs/rgg-1e5.ini's graph) and case2383wp (skipped if
# ../shared lacks it), 1 and 2 ranks. Writes results/bench/khop.csv; the
# table in bench/README.md is copied from it by hand. Times are indicative on
# a shared machine: run it on an otherwise idle one.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MPIRUN=${MPIRUN:-mpirun}
SHARED=${SAMARL_SHARED:-../shared}
RANKS=${RANKS:-"1 2"}
REPS=${REPS:-2000}
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1
mkdir -p results/bench
csv=results/bench/khop.csv
tmp=$csv.partial
echo "graph,n_agents,ranks,hops,method,ghosts,bytes_per_exchange,messages,exchange_us,setup_s" >"$tmp"
RGG=(run.seed=7 graph.type=rgg graph.agents=1e5 graph.degree=12 graph.allow_disconnected=true)
GRID=$SHARED/data/grids/case2383wp.graph
for np in $RANKS; do
  "$MPIRUN" -np "$np" --bind-to core "$BUILD/bench/bench_khop" rgg-1e5 4 "$REPS" "$tmp" "${RGG[@]}"
  if [[ -f $GRID ]]; then
    "$MPIRUN" -np "$np" --bind-to core "$BUILD/bench/bench_khop" case2383wp 4 "$REPS" "$tmp" \
      graph.type=file graph.path="$GRID"
  else
    echo "skip case2383wp: $GRID not found"
  fi
done
mv "$tmp" "$csv"
echo "wrote $csv"
