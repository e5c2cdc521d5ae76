#!/usr/bin/env bash
# Centralised training (MAPPO-Lagrangian, train.algo = mappo-l) against
# samarl's state-augmented training (train.algo = ppo, per-agent networks)
# on DR-v1, N = N0, 2 N0, 4 N0, ... with the same copies, horizon, epochs
# and minibatches. For each N and method: train ITERS iterations and take
# the time per iteration (collection + update, from the JSON record) and the
# peak memory, then execute the trained policies with samarl run (mappo-l's
# actors at their learned lambda, dual.mode = fixed; samarl's with
# dual.mode = consensus) and record fulfilment and slack.
#
# mappo-l stops when an iteration takes longer than LIMIT_S (the issue's 10
# minutes), when the time projected from the growth of the last points
# exceeds it (the projection is recorded, status "projected", and not run),
# or when its memory guard refuses (status "memory", with the bytes it
# needed). samarl's ppo continues to PPO_NMAX.
#
# Writes results/bench/ctde.csv (and .log) and results/bench/ctde.png.
# s_per_iteration is wall time, the measure; cpu_s_per_iteration (process
# CPU time of rank 0) shows what an iteration cost when other work shared
# the cores. Timings are only meaningful on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PY=${PY:-/usr/bin/python3}
NP=${NP:-1}                  # ranks for every run
MPIRUN=${MPIRUN:-mpirun}
N0=${N0:-4}
PPO_NMAX=${PPO_NMAX:-16384}
MAPPO_NMAX=${MAPPO_NMAX:-1048576}
LIMIT_S=${LIMIT_S:-600}      # mappo-l stops beyond this many seconds per iteration
ITERS=${ITERS:-3}
COPIES=${COPIES:-8}
HORIZON=${HORIZON:-168}
EPOCHS=${EPOCHS:-4}
MINIBATCHES=${MINIBATCHES:-8}
RUN_DAYS=${RUN_DAYS:-14}
OUT=${OUT:-results/bench/ctde.csv}
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMPI_MCA_btl_base_warn_component_unused=0
mkdir -p "$(dirname "$OUT")"
tmpd=$(mktemp -d); trap 'rm -rf "$tmpd"' EXIT
log=${OUT%.csv}.log
: >"$log"
samarl() { $MPIRUN -np "$NP" "$BUILD/samarl" "$@"; }
# json FILE EXPR: EXPR evaluated on the record r = json.load(FILE)
json() { $PY -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }

common() { # N: the settings both methods share
  local g=(--set graph.agents="$1")
  if (($1 < 8)); then g+=(--set graph.type=ring --set graph.k=1); fi
  printf '%s\n' "${g[@]}" --set train.copies="$COPIES" --set env.horizon="$HORIZON" \
    --set train.epochs="$EPOCHS" --set train.minibatches="$MINIBATCHES" \
    --set train.iterations="$ITERS" --set train.eval_every=0 \
    --set train.eval_lambdas=0.2 --set train.eval_copies=1
}

echo "method,N,ranks,copies,horizon,epochs,minibatches,iterations,s_per_iteration,cpu_s_per_iteration,critic_s_per_iteration,peak_rss_bytes,mem_available_bytes,lambda,avg_slack_ratio,violation_ratio,fulfilled,status,limit_s" >"$OUT.partial"
row() { echo "$* $LIMIT_S" | tr ' ' ',' >>"$OUT.partial"; tail -1 "$OUT.partial"; }

# execute METHOD N POLICY ARGS...: run the trained policy, print
# "avg_slack_ratio violation_ratio fulfilled"
execute() {
  local m=$1 n=$2 pol=$3; shift 3
  mapfile -t c < <(common "$n")
  if samarl run -q "${c[@]}" --policy "$pol" --set run.days="$RUN_DAYS" "$@" \
       -o "$tmpd/run.h5" >>"$log" 2>&1; then
    json "$tmpd/run.json" "'%s %s %s' % (r['results']['avg_slack_ratio'], r['results']['violation_ratio'], r['results']['fulfilled'])"
  else
    echo "nan nan nan"
  fi
}

mappo_on=1 ppo_on=1
declare -a mt=() # mappo-l seconds per iteration so far
for ((N = N0; mappo_on || ppo_on; N *= 2)); do
  ((N > MAPPO_NMAX)) && mappo_on=0
  ((N > PPO_NMAX)) && ppo_on=0
  mapfile -t c < <(common "$N")
  if ((mappo_on)); then
    k=${#mt[@]}
    proj=
    if ((k >= 2)); then
      # Growth from the last two points: t(2N) = t(N) * 2^slope.
      proj=$($PY -c "import math; a, b = ${mt[k-2]}, ${mt[k-1]}; s = math.log2(b / a); print('%.6g %.3f' % (b * 2 ** max(s, 1.0), s))")
    fi
    if [[ -n $proj ]] && awk -v p="${proj% *}" -v l="$LIMIT_S" 'BEGIN { exit !(p > l) }'; then
      echo "mappo-l N=$N: projected ${proj% *} s per iteration (growth exponent ${proj#* } over the last doubling) > $LIMIT_S s: not run" | tee -a "$log"
      row mappo-l "$N" "$NP" "$COPIES" "$HORIZON" "$EPOCHS" "$MINIBATCHES" 0 "${proj% *}" nan nan nan nan nan nan nan nan projected
      mappo_on=0
    else
      echo "== mappo-l N=$N" >>"$log"
      rc=0
      samarl train -q "${c[@]}" --set train.algo=mappo-l -o "$tmpd/m.h5" >"$tmpd/train.out" 2>&1 || rc=$?
      cat "$tmpd/train.out" >>"$log"
      if ((rc == 0)); then
        read -r t cpu tc rss lam < <(json "$tmpd/m.json" "'%s %s %s %s %s' % (r['results']['s_per_iteration'], r['results']['cpu_s_per_iteration_rank0'], r['results']['critic_s_per_iteration'], r['memory']['peak_rss_bytes_max'], r['results']['lambda_final'])")
        read -r slack viol ful < <(execute mappo-l "$N" "$tmpd/m.h5" --set dual.mode=fixed --set dual.lambda0="$lam")
        status=ok
        if awk -v t="$t" -v l="$LIMIT_S" 'BEGIN { exit !(t > l) }'; then status=limit; mappo_on=0; fi
        row mappo-l "$N" "$NP" "$COPIES" "$HORIZON" "$EPOCHS" "$MINIBATCHES" "$ITERS" "$t" "$cpu" "$tc" "$rss" nan "$lam" "$slack" "$viol" "$ful" "$status"
        mt+=("$t")
      elif grep -q 'mappo-l with N = .* needs about' "$tmpd/train.out"; then
        # The memory guard refused: record the bytes it said it needed.
        need=$(grep -o 'needs about [0-9.e+-]* GB' "$tmpd/train.out" | head -1 | awk '{ printf "%.0f", $3 * 1e9 }')
        avail=$(grep -o 'MemAvailable is [0-9.e+-]* GB' "$tmpd/train.out" | head -1 | awk '{ printf "%.0f", $3 * 1e9 }')
        grep 'needs about' "$tmpd/train.out" | head -1
        row mappo-l "$N" "$NP" "$COPIES" "$HORIZON" "$EPOCHS" "$MINIBATCHES" 0 nan nan nan "$need" "$avail" nan nan nan nan memory
        mappo_on=0
      else
        echo "mappo-l N=$N failed; see $log" >&2
        tail -3 "$tmpd/train.out" >&2
        mappo_on=0
      fi
    fi
  fi
  if ((ppo_on)); then
    echo "== ppo N=$N" >>"$log"
    samarl train -q "${c[@]}" --set train.algo=ppo -o "$tmpd/p.h5" >>"$log" 2>&1
    read -r t cpu rss < <(json "$tmpd/p.json" "'%s %s %s' % (r['results']['s_per_iteration'], r['results']['cpu_s_per_iteration_rank0'], r['memory']['peak_rss_bytes_max'])")
    read -r slack viol ful < <(execute ppo "$N" "$tmpd/p.h5" --set dual.mode=consensus)
    row ppo "$N" "$NP" "$COPIES" "$HORIZON" "$EPOCHS" "$MINIBATCHES" "$ITERS" "$t" "$cpu" 0 "$rss" nan nan "$slack" "$viol" "$ful" ok
  fi
done
mv "$OUT.partial" "$OUT"
$PY scripts/plot_ctde.py "$OUT" "${OUT%.csv}.png"
echo "wrote $OUT and ${OUT%.csv}.png"
