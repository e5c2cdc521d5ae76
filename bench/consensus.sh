#!/usr/bin/env bash
# Consensus round time against a local CSR mat-vec of the same rows, for
# N = 1e4, 1e5, 1e6 agents (rgg, mean degree ~8) on 1 and 2 ranks, both halo
# methods. Writes results/bench/consensus.csv, the table in results/README.md
# and results/bench/consensus.png. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MPIRUN=${MPIRUN:-mpirun}
SIZES=${SIZES:-"1e4 1e5 1e6"}
RANKS=${RANKS:-"1 2"}
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1
mkdir -p results/bench
csv=results/bench/consensus.csv
tmp=$csv.partial
echo "n_agents,ranks,halo,nnz,edge_cut,halo_agents,rounds,round_us,matvec_us,ratio,halo_in_round_us,exchange_us,bytes_per_round,matvec_GBs,triad_GBs_per_rank,latency_us" >"$tmp"
for n in $SIZES; do
  # ~1e8 row updates per measurement, at least 20 rounds.
  rounds=$(awk -v n="$n" 'BEGIN { r = int(1e8 / n); if (r < 20) r = 20; if (r > 2000) r = 2000; print r }')
  for np in $RANKS; do
    "$MPIRUN" -np "$np" --bind-to core "$BUILD/bench/bench_consensus" "$n" "$rounds" "$tmp"
  done
done
mv "$tmp" "$csv"
python3 scripts/bench_table.py "$csv" results/README.md
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  /usr/bin/python3 scripts/plot_bench_consensus.py "$csv" results/bench/consensus.png
fi
echo "wrote $csv, results/README.md, results/bench/consensus.png"
