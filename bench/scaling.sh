#!/usr/bin/env bash
# Strong and weak scaling of execution (samarl run) and training (samarl
# train), with per-phase timers (min/avg/max over ranks) from each run's
# JSON record. Writes results/bench/scaling.csv, the efficiency tables
# results/bench/scaling.md and the figures results/bench/scaling_strong.png
# and scaling_weak.png (scripts/plot_scaling.py), and a compact table into
# results/README.md where it has <!-- scaling:begin/end --> markers.
#
#   bench/scaling.sh                         default rank list (see below)
#   bench/scaling.sh --ranks "1 2 4 8"       these rank counts
#   bench/scaling.sh --what run --strong 1000000 --weak-per-rank 250000
#   BUILD=build-scaling bench/scaling.sh --what train
#   bench/scaling.sh --dry-run               print the rank list and launcher
#
# Options: --ranks "P ...", --strong N and --weak-per-rank N (run),
# --train-strong N and --train-weak-per-rank N (train), --what run|train|all
# (one kind keeps the other kind's rows of the existing CSV), --graph
# grid2d|rgg, --steps S (run.steps, default 24), --iters I
# (train.iterations, default 2; 2 copies x 24 steps each), --out DIR
# (default results/bench), --tmp DIR (scratch for the outputs), --dry-run.
#
# What runs (every case at every rank count P of the list):
#   run    samarl run, dual.mode=consensus, policy.type=bestresponse and a
#          shared MLP (policy.sharing=shared, initialised untrained with
#          train.iterations=0: throughput does not depend on the weights);
#          strong: N = --strong agents (default 200000) on P ranks;
#          weak:   N = P x --weak-per-rank agents (default 100000).
#   train  samarl train, policy.sharing=agent (no communication) and shared
#          (exact gradient all-reduce every minibatch), --iters iterations;
#          strong: --train-strong agents (default 2000);
#          weak:   P x --train-weak-per-rank agents (default 1000).
# Efficiency is against the smallest timed rank count P0 of the list (1 by
# default), on the wall time of the step / training loop (the JSON's
# results.wall_s; setup, i.e. graph, partition and distribute, has its own
# columns): strong E = P0 T(P0) / (P T(P)), weak E = T(P0) / T(P).
# Every strong row with P > P0 is also checked bit-identical to the P0 run:
# h5diff on every dataset of the output (not /timers, not /graph/partition,
# which records the partition; attributes hold times and rank counts).
#
# Rank list: --ranks, else inside a SLURM allocation 1 2 4 ... SLURM_NTASKS
# (powers of two, then SLURM_NTASKS itself), launched with `srun -n P`
# (`srun --mpi=pmix -n P` where `srun --mpi=list` offers pmix);
# outside SLURM 1 2 4 ... up to the core count, launched with `mpirun -np P`,
# and on machines with fewer than 8 cores also 3 4 8 beyond the core count.
# A rank count above the core count is *oversubscribed*: it runs for
# correctness only (strong scaling only, bit-identity checked against P0),
# is marked oversubscribed=1, and gets no efficiency; weak scaling skips it.
# LAUNCH overrides the launcher prefix, the rank count is appended:
#   LAUNCH="mpirun --bind-to core --map-by core -np" bench/scaling.sh
#   LAUNCH="srun --mpi=pmix --cpu-bind=cores -n" bench/scaling.sh
#
# On a cluster (16-1024 ranks): from the repository root, after `make`,
#   sbatch -n 64 -t 30 --wrap "bench/scaling.sh"
#   sbatch -N 8 --ntasks-per-node=128 -t 60 --wrap \
#     "bench/scaling.sh --ranks '16 32 64 128 256 512 1024' --strong 10000000 --what run"
#   salloc -n 256 bench/scaling.sh --what train --train-strong 65536
# Every point runs as a job step inside the one allocation, one after the
# other. scripts/slurm/sweep.sh is the other way: one sbatch job per rank
# count, for any samarl command and config, with a job record per size
# (its table has the loop time and efficiency, not the per-phase split).
# Outputs go to a scratch directory that must be visible to every node
# (parallel HDF5): --tmp DIR, else $SCRATCH, else the current directory
# inside SLURM, /tmp outside it. At large N set OUTPUT_AGENTS=every:100 to
# record one agent in 100 (the HDF5 phase then writes 1/100 of the
# trajectories). Use a larger --strong there: 2e5 agents over 1024 ranks is
# ~200 agents per rank, where latency dominates.
#
# The default set on the 2-core development machine: ~85 CPU-seconds, so
# about 1-1.5 minutes when the machine is idle (32 launches; 2.4-4.8
# minutes were measured while other jobs shared its cores).
# Environment: BUILD (build directory, default build), PY (python with
# matplotlib for the figures, default /usr/bin/python3), REPS (runs per
# point, best wall time counts; default 1), GRAPH (grid2d or rgg),
# OUTPUT_AGENTS (output.agents, default all), RUN_POLICIES (default
# "bestresponse shared"; "agent" adds per-agent networks), TRAIN_SHARING
# (default "agent shared"), CORES (override the core count), TMPDIR_BENCH
# (as --tmp), LAUNCH (above).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

BUILD=${BUILD:-build}
PY=${PY:-/usr/bin/python3}
[[ -x $PY ]] || PY=python3
REPS=${REPS:-1}
GRAPH=${GRAPH:-grid2d}
OUTPUT_AGENTS=${OUTPUT_AGENTS:-all}
RUN_POLICIES=${RUN_POLICIES:-"bestresponse shared"}
TRAIN_SHARING=${TRAIN_SHARING:-"agent shared"}
RANKS=""
WEAK=100000
STRONG=200000
TWEAK=1000
TSTRONG=2000
STEPS=24
ITERS=2
WHAT=all
DRY=0
OUT=results/bench
SCRATCH_DIR=${TMPDIR_BENCH:-}

while [[ $# -gt 0 ]]; do
  case $1 in
    --ranks) RANKS=$2; shift 2 ;;
    --weak-per-rank) WEAK=$2; shift 2 ;;
    --strong) STRONG=$2; shift 2 ;;
    --train-weak-per-rank) TWEAK=$2; shift 2 ;;
    --train-strong) TSTRONG=$2; shift 2 ;;
    --steps) STEPS=$2; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    --what) WHAT=$2; shift 2 ;;
    --graph) GRAPH=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --tmp) SCRATCH_DIR=$2; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench/scaling.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $WHAT in run | train | all) ;; *) echo "bench/scaling.sh: --what must be run, train or all" >&2; exit 2 ;; esac
case $GRAPH in grid2d | rgg) ;; *) echo "bench/scaling.sh: --graph must be grid2d or rgg" >&2; exit 2 ;; esac
for v in "$WEAK" "$STRONG" "$TWEAK" "$TSTRONG" "$STEPS" "$ITERS" "$REPS"; do
  [[ $v =~ ^[0-9]+$ && $v -gt 0 ]] || { echo "bench/scaling.sh: '$v' is not a positive integer" >&2; exit 2; }
done

# Cores, launcher and the rank list.
IN_SLURM=0
[[ -n ${SLURM_JOB_ID:-} && -n ${SLURM_NTASKS:-} ]] && IN_SLURM=1
if [[ -n ${CORES:-} ]]; then :
elif [[ $IN_SLURM == 1 ]]; then CORES=$SLURM_NTASKS
else CORES=$(nproc 2>/dev/null || echo 1); fi
if [[ -z ${LAUNCH:-} ]]; then
  LAUNCH="mpirun -np"
  # In an allocation: srun, with PMIx where this Slurm offers it (as
  # scripts/slurm/samarl.sbatch); mpirun also reads the allocation.
  if [[ $IN_SLURM == 1 ]] && command -v srun >/dev/null; then
    LAUNCH="srun -n"
    grep -qw pmix <<<"$(srun --mpi=list 2>&1 || true)" && LAUNCH="srun --mpi=pmix -n"
  fi
fi
pow2_upto() { local p=1 s=""; while ((p <= $1)); do s="$s $p"; p=$((p * 2)); done
  ((p / 2 != $1)) && s="$s $1"; echo "$s"; }
if [[ -z $RANKS ]]; then
  RANKS=$(pow2_upto "$CORES")
  if [[ $IN_SLURM == 0 ]] && ((CORES < 8)); then
    for p in 3 4 8; do ((p > CORES)) && RANKS="$RANKS $p"; done
  fi
fi
# shellcheck disable=SC2086 # split the list
RANKS=$(printf '%s\n' $RANKS | sort -n -u | tr '\n' ' ')
for p in $RANKS; do
  [[ $p =~ ^[0-9]+$ && $p -gt 0 ]] || { echo "bench/scaling.sh: bad rank count '$p'" >&2; exit 2; }
done
BASE=""
for p in $RANKS; do ((p <= CORES)) && { BASE=$p; break; }; done
[[ -n $BASE ]] || { echo "bench/scaling.sh: every rank count exceeds the $CORES cores" >&2; exit 2; }

if [[ $DRY == 1 ]]; then
  over=""; for p in $RANKS; do ((p > CORES)) && over="$over $p"; done
  echo "ranks [$RANKS] on $CORES cores, P0 = $BASE, oversubscribed [${over# }], launcher '$LAUNCH P'"
  exit 0
fi
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
S=$BUILD/samarl
[[ -x $S ]] || { echo "bench/scaling.sh: $S not built (make BUILD=$BUILD)" >&2; exit 2; }
if ! command -v h5diff >/dev/null || ! command -v h5ls >/dev/null; then
  echo "bench/scaling.sh: needs h5diff and h5ls (hdf5-tools)" >&2; exit 2
fi
if [[ -z $SCRATCH_DIR ]]; then
  if [[ $IN_SLURM == 1 ]]; then SCRATCH_DIR=${SCRATCH:-$PWD}; else SCRATCH_DIR=/tmp; fi
fi
tmpd=$(mktemp -d "$SCRATCH_DIR/samarl-scaling.XXXXXX"); trap 'rm -rf "$tmpd"' EXIT
mkdir -p "$OUT"
csv=$OUT/scaling.csv

PHASES="total graph partition distribute policy env dual consensus mix halo reduce io collect update eval"
header="kind,policy,scaling,ranks,agents,agents_per_rank,steps,oversubscribed,identical,wall_s,agent_steps,agent_steps_per_s,per_core,efficiency,rss_max_bytes"
for ph in $PHASES; do header="$header,${ph}_min_s,${ph}_avg_s,${ph}_max_s"; done
echo "$header" >"$csv.partial"
# Measuring only one kind keeps the other kind's rows of an earlier run.
if [[ $WHAT != all && -f $csv && $(head -1 "$csv") == "$header" ]]; then
  awk -F, -v k="$WHAT" 'NR > 1 && $1 != k' "$csv" >>"$csv.partial"
fi
echo "scaling: ranks [$RANKS] on $CORES cores (P0 = $BASE), launcher '$LAUNCH', graph $GRAPH, scratch $tmpd"
t_start=$SECONDS

# P ranks of samarl. SLURM_NTASKS is what samarl compares its rank count
# with (the step's task count under srun; mpirun would pass on the job's).
launch() { # P args...
  local p=$1 env=(); shift
  [[ $IN_SLURM == 1 ]] && env+=(SLURM_NTASKS="$p")
  ((p > CORES)) && env+=(OMPI_MCA_rmaps_base_oversubscribe=1)
  # shellcheck disable=SC2086 # LAUNCH is a command prefix
  env "${env[@]}" $LAUNCH "$p" "$S" "$@"
}

# Same bits: A and B hold the same datasets with the same shapes (h5ls) and
# equal values (h5diff, which exits 0 on objects it cannot compare, hence
# the check of its output). /timers and /graph/partition depend on the
# run, not the result; attributes hold times and rank counts.
datasets() { h5ls -r "$1" | awk '$2 == "Dataset"' |
  grep -v -e '^/timers' -e '^/graph/partition ' | sort; }
identical() {
  local a=$1 b=$2 d out
  [[ "$(datasets "$a")" == "$(datasets "$b")" ]] || { echo 0; return; }
  for d in $(datasets "$a" | awk '{ print $1 }'); do
    out=$(h5diff "$a" "$b" "$d" "$d" 2>&1) || { echo 0; return; }
    [[ $out != *"not comparable"* ]] || { echo 0; return; }
  done
  echo 1
}

# rgg (mean degree 8) may leave a few agents isolated: consensus then runs
# per component, at the same cost.
GRAPH_ARGS=(--set graph.type="$GRAPH" --set consensus.sigma_iters=0)
[[ $GRAPH == rgg ]] && GRAPH_ARGS+=(--set graph.allow_disconnected=true)
RUN_ARGS=(--set env.horizon=24 --set train.copies=1 --set train.minibatches=1 --set train.epochs=1
          --set train.iterations=0 --set train.save_adam=false --set train.eval_every=0
          --set dual.mode=consensus --set run.steps="$STEPS" --set output.agents="$OUTPUT_AGENTS")
TRAIN_ARGS=(--set env.horizon=24 --set train.copies=2 --set train.iterations="$ITERS"
            --set train.eval_every=0 --set train.eval_copies=2 --set train.save_adam=false)

# One point: run REPS times, keep the JSON of the fastest, append its row.
# Globals in: the series' base wall time ($base_wall), reference output ($ref).
point() { # kind policy scaling P N args...
  local kind=$1 pol=$2 sc=$3 p=$4 n=$5; shift 5
  local over=0 ident="" best="" w r o
  ((p > CORES)) && over=1
  for ((r = 0; r < REPS; r++)); do
    o=$tmpd/$kind-$pol-$sc-$p-$r.h5
    launch "$p" "$kind" -q "${GRAPH_ARGS[@]}" --set graph.agents="$n" "$@" -o "$o" >"$tmpd/log" 2>&1 ||
      { cat "$tmpd/log" >&2; echo "bench/scaling.sh: $kind $pol $sc P=$p N=$n failed" >&2; exit 1; }
    w=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"]["wall_s"])' "${o%.h5}.json")
    if [[ -z $best ]] || awk -v a="$w" -v b="$best_w" 'BEGIN { exit !(a < b) }'; then
      [[ -n $best ]] && rm -f "$best" "${best%.h5}.json"
      best=$o best_w=$w
    else
      rm -f "$o" "${o%.h5}.json"
    fi
  done
  if [[ $sc == strong ]]; then
    if [[ $p == "$BASE" ]]; then ref=$best; else ident=$(identical "$ref" "$best"); fi
  fi
  [[ $p == "$BASE" ]] && base_wall=$best_w
  $PY - "${best%.h5}.json" "$kind" "$pol" "$sc" "$p" "$n" "$over" "$ident" "$BASE" "${base_wall:-}" "$PHASES" \
    >>"$csv.partial" <<'PY'
import json, sys
(js, kind, pol, sc, p, n, over, ident, p0, w0, phases) = sys.argv[1:]
r = json.load(open(js))
p, n, over, p0 = int(p), int(n), int(over), int(p0)
res, t = r["results"], r["timers"]
steps = res.get("steps", res.get("iterations", 0))
wall = res["wall_s"]
rate = res["agent_steps_per_s"]
eff = ""
if w0 and not over and wall > 0:
    eff = float(w0) / wall * (p0 / p if sc == "strong" else 1.0)
    eff = f"{eff:.4f}"
row = [kind, pol, sc, p, n, n // p, steps, over, ident, f"{wall:.6f}", res["agent_steps"],
       f"{rate:.0f}", f"{rate / p:.0f}", eff, r.get("memory", {}).get("peak_rss_bytes_max", "")]
for ph in phases.split():
    x = t.get(ph)
    row += [f"{x[k]:.6f}" for k in ("min_s", "avg_s", "max_s")] if x else ["", "", ""]
print(",".join(str(v) for v in row))
PY
  # Keep only the strong series' reference output (for the identity checks).
  [[ $best == "$ref" ]] || rm -f "$best"
  printf '  %-5s %-12s %-6s P=%-4s N=%-9s wall %8.3f s  efficiency %-6s%s%s\n' "$kind" "$pol" "$sc" "$p" "$n" \
    "$best_w" "$(tail -1 "$csv.partial" | cut -d, -f14)" "$([[ $over == 1 ]] && echo '  oversubscribed')" \
    "$([[ -n $ident ]] && echo "  identical=$ident")"
}

# The MLP policy file for N agents (untrained networks), made once per N.
policy_file() { # sharing N P
  local f=$tmpd/policy-$1-$2.h5
  if [[ ! -f $f ]]; then
    launch "$3" train -q "${GRAPH_ARGS[@]}" --set graph.agents="$2" "${RUN_ARGS[@]}" \
      --set policy.sharing="$1" -o "$f" >"$tmpd/log" 2>&1 ||
      { cat "$tmpd/log" >&2; echo "bench/scaling.sh: making the $1 policy for N=$2 failed" >&2; exit 1; }
  fi
  echo "$f"
}

series() { # kind policy scaling
  local kind=$1 pol=$2 sc=$3 p n pargs
  base_wall="" ref=""
  for p in $RANKS; do
    if [[ $sc == weak ]] && ((p > CORES)); then continue; fi
    if [[ $kind == run ]]; then
      if [[ $sc == strong ]]; then n=$STRONG; else n=$((WEAK * p)); fi
      case $pol in
        bestresponse) pargs=(--set policy.type=bestresponse) ;;
        *) pargs=(--set policy.type=mlp --set policy.sharing="$pol" --policy "$(policy_file "$pol" "$n" "$(( p < CORES ? p : CORES ))")") ;;
      esac
      point run "$pol" "$sc" "$p" "$n" "${RUN_ARGS[@]}" "${pargs[@]}"
    else
      if [[ $sc == strong ]]; then n=$TSTRONG; else n=$((TWEAK * p)); fi
      point train "$pol" "$sc" "$p" "$n" "${TRAIN_ARGS[@]}" --set policy.sharing="$pol"
    fi
  done
  rm -f "$tmpd"/*.h5.partial
  [[ -n $ref ]] && rm -f "$ref"
  return 0
}

if [[ $WHAT == run || $WHAT == all ]]; then
  for pol in $RUN_POLICIES; do
    series run "$pol" strong
    series run "$pol" weak
    rm -f "$tmpd"/policy-*.h5
  done
fi
if [[ $WHAT == train || $WHAT == all ]]; then
  for pol in $TRAIN_SHARING; do
    series train "$pol" strong
    series train "$pol" weak
  done
fi

mv "$csv.partial" "$csv"
note="$(hostname), $CORES cores, launcher '$LAUNCH', graph $GRAPH, run.steps $STEPS, train.iterations $ITERS, REPS $REPS, $(date -u +%Y-%m-%dT%H:%MZ)"
readme=()
# The compact table goes into results/README.md between <!-- scaling:begin -->
# and <!-- scaling:end --> where it has them (default output only).
[[ $OUT == results/bench ]] && readme=(--readme results/README.md)
$PY scripts/plot_scaling.py "$csv" "$OUT" --note "$note" "${readme[@]}"
echo "wrote $csv, $OUT/scaling.md, $OUT/scaling_strong.png, $OUT/scaling_weak.png in $((SECONDS - t_start)) s"
