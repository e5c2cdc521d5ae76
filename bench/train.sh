#!/usr/bin/env bash
# Training throughput, samarl against the PyTorch peer
# (../shared/peers/dr_torch.py) on the same work in one run: same agents,
# copies, horizon, epochs, minibatches and width, one core each. Reports
# agent-steps/s per core, the ratio, and samarl's GEMM rate against the
# machine's single-core SGEMM peak. Writes results/bench/train.csv and the
# table in results/README.md. Run on an otherwise idle machine. Each of the
# peer and samarl's two kernels (avx512, blas) runs REPS times, interleaved,
# and the best run of each counts: the VM's speed drifts between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
CASES=${CASES:-"8:32 64:32"}   # agents:copies
ITERS=${ITERS:-12}
REPS=${REPS:-3}
PY=${PY:-/usr/bin/python3}
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p results/bench
tmpd=$(mktemp -d); trap 'rm -rf "$tmpd"' EXIT
csv=results/bench/train.csv
peak=$("$BUILD/bench/bench_sgemm" 1536 5)
fma=$("$BUILD/bench/bench_fma" 5) # the float32 multiply-add peak, above SGEMM's
H=32 E=4 MB=8 T=168
# FLOPs per agent-step: a rollout forward, then per epoch a forward and a
# backward (weight and input gradients) of every sample.
fwd=$((2 * (6 * H + H * H + H * 7)))
bwd=$((fwd + 2 * (H * H + H * 7)))
flops=$((fwd + E * (fwd + bwd)))
# The instruction bound: a core issues two 512-bit float operations per
# cycle (fma_peak / 32 per second). An agent-step needs flops / 32
# multiply-add instructions, and each of its 1 + E forward passes 2H tanh
# values, 16 instructions per 16 lanes in the kernel: 2H instructions.
# Everything else (environment, sampling, softmax, loss, Adam, memory
# traffic) counts as free here, so no float32 code can beat this rate.
instr=$((flops / 32 + 2 * H * (1 + E)))
have_peer=1
$PY -c 'import torch' 2>/dev/null || have_peer=0
samarl_rate() { # agents copies kernel
  "$BUILD/samarl" train -q --set graph.agents="$1" --set graph.type=ring --set graph.k=1 \
    --set train.copies="$2" --set env.horizon=$T --set train.epochs=$E --set train.minibatches=$MB \
    --set policy.hidden=$H --set train.iterations="$ITERS" --set train.eval_every=0 \
    --set policy.kernel="$3" -o "$tmpd/s.h5" >/dev/null
  # Training time only (collection + update), as the peer times it.
  $PY - "$tmpd/s.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timers"]
print(r["results"]["agent_steps"] / (t["collect"]["max_s"] + t["update"]["max_s"]))
PY
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }
kernels="blas"
"$BUILD/samarl" config --set policy.kernel=avx512 >/dev/null 2>&1 && kernels="avx512 blas"
echo "agents,copies,horizon,epochs,minibatches,hidden,iterations,kernel,peer_agent_steps_per_s,samarl_agent_steps_per_s,ratio,flops_per_agent_step,samarl_gflops,sgemm_peak_gflops,fraction_of_peak,ratio_at_peak,fma_peak_gflops,instructions_per_agent_step,ratio_at_instruction_bound" >"$csv.partial"
for c in $CASES; do
  A=${c%%:*} B=${c##*:}
  peers=() ; declare -A ours=()
  for ((r = 0; r < REPS; r++)); do
    if [[ $have_peer == 1 ]]; then
      peers+=("$($PY "$SHARED/peers/dr_torch.py" train --agents "$A" --envs "$B" --horizon $T --iters "$ITERS" \
        --epochs $E --minibatches $MB --out "$tmpd/p.pt" | sed -n 's/.*agent_steps_per_s=\([0-9.]*\).*/\1/p')")
    fi
    for k in $kernels; do ours[$k]="${ours[$k]:-} $(samarl_rate "$A" "$B" "$k")"; done
  done
  peer=nan
  [[ $have_peer == 1 ]] && peer=$(best "${peers[@]}")
  for k in $kernels; do
    # shellcheck disable=SC2086
    s=$(best ${ours[$k]})
    awk -v A="$A" -v B="$B" -v T=$T -v E=$E -v MB=$MB -v H=$H -v I="$ITERS" -v k="$k" -v p="$peer" \
        -v s="$s" -v f=$flops -v pk="$peak" -v fm="$fma" -v ins=$instr 'BEGIN {
      g = s * f / 1e9
      printf "%d,%d,%d,%d,%d,%d,%d,%s,%s,%.0f,%s,%d,%.2f,%.2f,%.3f,%s,%.2f,%d,%s\n", A, B, T, E, MB, H, I, k,
        p, s, (p == "nan" ? "nan" : sprintf("%.2f", s / p)), f, g, pk, g / pk,
        (p == "nan" ? "nan" : sprintf("%.1f", pk * 1e9 / f / p)), fm, ins,
        (p == "nan" ? "nan" : sprintf("%.1f", fm * 1e9 / 32 / ins / p)) }' >>"$csv.partial"
    tail -1 "$csv.partial"
  done
  unset ours
done
mv "$csv.partial" "$csv"
$PY scripts/bench_train_table.py "$csv" results/README.md
echo "wrote $csv and the table in results/README.md"
