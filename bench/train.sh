#!/usr/bin/env bash
# Training throughput, samarl against the PyTorch peer
# (../shared/peers/dr_torch.py) on the same work in one run: same agents,
# copies, horizon, epochs, minibatches and width, one core each. Reports
# agent-steps/s per core, the ratio, and samarl's GEMM rate against the
# machine's single-core SGEMM peak. Writes results/bench/train.csv and the
# table in results/README.md. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
CASES=${CASES:-"8:32 64:32"}   # agents:copies
ITERS=${ITERS:-6}
PY=${PY:-/usr/bin/python3}
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p results/bench
tmpd=$(mktemp -d); trap 'rm -rf "$tmpd"' EXIT
csv=results/bench/train.csv
peak=$("$BUILD/bench/bench_sgemm" 1536 5)
H=32 E=4 MB=8 T=168
# FLOPs per agent-step: a rollout forward, then per epoch a forward and a
# backward (weight and input gradients) of every sample.
fwd=$((2 * (6 * H + H * H + H * 7)))
bwd=$((fwd + 2 * (H * H + H * 7)))
flops=$((fwd + E * (fwd + bwd)))
have_peer=1
$PY -c 'import torch' 2>/dev/null || have_peer=0
echo "agents,copies,horizon,epochs,minibatches,hidden,iterations,peer_agent_steps_per_s,samarl_agent_steps_per_s,ratio,flops_per_agent_step,samarl_gflops,sgemm_peak_gflops,fraction_of_peak" >"$csv.partial"
for c in $CASES; do
  A=${c%%:*} B=${c##*:}
  peer=nan
  if [[ $have_peer == 1 ]]; then
    peer=$($PY "$SHARED/peers/dr_torch.py" train --agents "$A" --envs "$B" --horizon $T --iters "$ITERS" \
      --epochs $E --minibatches $MB --out "$tmpd/p.pt" | sed -n 's/.*agent_steps_per_s=\([0-9.]*\).*/\1/p')
  fi
  "$BUILD/samarl" train -q --set graph.agents="$A" --set graph.type=ring --set graph.k=1 \
    --set train.copies="$B" --set env.horizon=$T --set train.epochs=$E --set train.minibatches=$MB \
    --set policy.hidden=$H --set train.iterations="$ITERS" --set train.eval_every=0 \
    -o "$tmpd/s.h5" >/dev/null
  # Training time only (collection + update), as the peer times it.
  ours=$($PY - "$tmpd/s.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timers"]
print(r["results"]["agent_steps"] / (t["collect"]["max_s"] + t["update"]["max_s"]))
PY
)
  awk -v A="$A" -v B="$B" -v T=$T -v E=$E -v MB=$MB -v H=$H -v I="$ITERS" -v p="$peer" -v s="$ours" \
      -v f=$flops -v pk="$peak" 'BEGIN {
    g = s * f / 1e9
    printf "%d,%d,%d,%d,%d,%d,%d,%s,%.0f,%s,%d,%.2f,%.2f,%.3f\n", A, B, T, E, MB, H, I,
      p, s, (p == "nan" ? "nan" : sprintf("%.2f", s / p)), f, g, pk, g / pk }' >>"$csv.partial"
  tail -1 "$csv.partial"
done
mv "$csv.partial" "$csv"
$PY scripts/bench_train_table.py "$csv" results/README.md
echo "wrote $csv and the table in results/README.md"
