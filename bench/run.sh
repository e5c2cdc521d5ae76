#!/usr/bin/env bash
# Execution throughput of samarl run (DESIGN.md §5): agent-steps/s per core
# with per-agent networks, one shared network and the best response; the
# consensus share of the step time; HDF5 trajectory write bandwidth beside
# dd to the same disk; the run file's size and write rate with and without
# trajectory compression (output.compress). Writes results/bench/run.csv,
# results/bench/run_compress.csv and their tables in results/README.md. Run
# on an otherwise idle machine.
#
#   bench/run.sh                      sizes 1e4 1e5 1e6, 1 and 2 ranks
#   SIZES="10000" RANKS="1" bench/run.sh
#   COMPRESS_SIZES="100000"            sizes of the compression runs (default SIZES)
#   PARTS=compress bench/run.sh        only the compression runs
#
# The networks are initialised, not trained (train.iterations = 0,
# train.save_adam = false: weights only): throughput does not depend on the
# weights' values, and 10^6 per-agent networks are 6 GB of weights. Peak
# memory (RSS summed over ranks, from the run's JSON record) per agent is a
# column; for per-agent networks, so is the rate at which the policy phase
# streams weights, against the read bandwidth per rank (bench_read, all
# ranks reading at once) measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZES=${SIZES:-"10000 100000 1000000"}
RANKS=${RANKS:-"1 2"}
PER_AGENT_MAX=${PER_AGENT_MAX:-1000000}
TMPDIR_BENCH=${TMPDIR_BENCH:-/tmp}
PY=${PY:-/usr/bin/python3}
[[ -x $PY ]] || PY=python3
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
S=$BUILD/samarl
tmpd=$(mktemp -d "$TMPDIR_BENCH/samarl-bench-run.XXXXXX"); trap 'rm -rf "$tmpd"' EXIT
mkdir -p results/bench
csv=results/bench/run.csv
# PARTS picks what to measure: throughput (run.csv), compress (run_compress.csv).
PARTS=${PARTS:-"throughput compress"}
has() { [[ " $PARTS " == *" $1 "* ]]; }

if has throughput; then # (bodies not indented: they hold heredocs)
echo "agents,ranks,policy,steps,agent_steps_per_s,per_core,policy_s,env_s,consensus_s,dual_s,reduce_s,io_s,consensus_share,traj_bytes,h5_write_MBps,dd_write_MBps,rss_bytes_sum,rss_bytes_per_agent,weights_GBps_per_rank,read_GBps_per_rank,read_fraction" >"$csv.partial"

# Read bandwidth per rank with all ranks reading at once: the limit of the
# per-agent policy phase, which streams each agent's weights in and writes
# nothing back. Measured once per rank count, in this run.
declare -A readbw
for np in $RANKS; do
  readbw[$np]=$(mpirun -np "$np" "$BUILD/bench/bench_read" 1024 5)
  echo "read bandwidth, $np rank(s) reading at once: ${readbw[$np]} GB/s per rank"
done

# dd to the same disk: the page-cache write rate the HDF5 writes also see.
dd_rate() {
  local mb=$1
  dd if=/dev/zero of="$tmpd/dd" bs=1M count="$mb" 2>&1 | sed -n 's/.*, \([0-9.]*\) \([GM]\)B\/s.*/\1 \2/p' |
    awk '{ print ($2 == "G") ? $1 * 1000 : $1 }'
  rm -f "$tmpd/dd"
}

for N in $SIZES; do
  steps=48; [[ $N -ge 1000000 ]] && steps=24
  G=(--set graph.agents="$N" --set graph.type=grid2d --set env.horizon=24)
  T=(--set train.copies=1 --set train.minibatches=1 --set train.epochs=1
     --set train.iterations=0 --set train.save_adam=false --set train.eval_every=0)
  policies="bestresponse shared"
  [[ $N -le $PER_AGENT_MAX ]] && policies="$policies agent"
  for pol in $policies; do
    P=()
    case $pol in
      bestresponse) P=(--set policy.type=bestresponse) ;;
      shared|agent)
        mpirun -np 2 "$S" train -q "${G[@]}" "${T[@]}" --set policy.sharing=$pol -o "$tmpd/p.h5" >/dev/null
        P=(--set policy.sharing=$pol --policy "$tmpd/p.h5") ;;
    esac
    for np in $RANKS; do
      mpirun -np "$np" "$S" run -q "${G[@]}" "${P[@]}" --set consensus.sigma_iters=0 --set run.steps=$steps -o "$tmpd/r.h5" >/dev/null
      bytes=$((5 * 4 * N * steps))
      mb=$(( bytes / 1000000 + 1 ))
      dd=$(dd_rate "$mb")
      $PY - "$tmpd/r.json" "$N" "$np" "$pol" "$steps" "$bytes" "$dd" "${readbw[$np]}" >>"$csv.partial" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
N, np_, pol, steps, nbytes, dd = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]), float(sys.argv[7])
readbw = float(sys.argv[8])
t = r["timers"]
g = lambda k: t.get(k, {}).get("max_s", 0.0)
rate = r["results"]["agent_steps_per_s"]
step = g("policy") + g("env") + g("consensus") + g("dual") + g("reduce") + g("io")
io = g("io")
print(f"{N},{np_},{pol},{steps},{rate:.0f},{rate / np_:.0f},{g('policy'):.4f},{g('env'):.4f},"
      f"{g('consensus'):.4f},{g('dual'):.4f},{g('reduce'):.4f},{io:.4f},"
      f"{g('consensus') / step if step else 0:.4f},{nbytes},{nbytes / io / 1e6 if io else 0:.0f},{dd:.0f},"
      f"{r['memory']['peak_rss_bytes_sum']},{r['memory']['peak_rss_bytes_sum'] / int(N):.0f},", end="")
# Per-agent networks: each agent-step streams the agent's weights (padded
# to 64-byte rows: 1,520 floats at 6-32-32-7) during the policy phase.
if pol == "agent" and g("policy") > 0:
    wb = 1520 * 4 * int(N) / np_ * int(steps) / g("policy") / 1e9
    print(f"{wb:.2f},{readbw:.2f},{wb / readbw:.3f}")
else:
    print(f",{readbw:.2f},")
PY
      tail -1 "$csv.partial"
    done
    rm -f "$tmpd/p.h5"
  done
done
mv "$csv.partial" "$csv"
$PY scripts/bench_run_table.py "$csv" results/README.md
fi

if has compress; then
# Trajectory compression (output.compress): the best response with every
# trajectory recorded, raw and at gzip levels 1 and 6, in this run: the run
# file's size, and the /traj write rate as raw bytes over the io time.
ccsv=results/bench/run_compress.csv
echo "agents,ranks,compress,steps,file_bytes,traj_bytes,io_s,traj_MBps,agent_steps_per_s" >"$ccsv.partial"
for N in ${COMPRESS_SIZES:-$SIZES}; do
  steps=48; [[ $N -ge 1000000 ]] && steps=24
  for np in $RANKS; do
    for level in 0 1 6; do
      mpirun -np "$np" "$S" run -q --set graph.agents="$N" --set graph.type=grid2d \
        --set consensus.sigma_iters=0 --set policy.type=bestresponse --set run.steps=$steps \
        --set output.compress=$level -o "$tmpd/c.h5" >/dev/null
      $PY - "$tmpd/c.json" "$tmpd/c.h5" "$N" "$np" "$level" "$steps" >>"$ccsv.partial" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
N, np_, level, steps = int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
io = r["timers"].get("io", {}).get("max_s", 0.0)
raw = 5 * 4 * N * steps  # five float32 /traj datasets, every agent and step
print(f"{N},{np_},{level},{steps},{os.path.getsize(sys.argv[2])},{raw},{io:.4f},"
      f"{raw / io / 1e6 if io else 0:.0f},{r['results']['agent_steps_per_s']:.0f}")
PY
      tail -1 "$ccsv.partial"
    done
  done
done
mv "$ccsv.partial" "$ccsv"
$PY scripts/bench_run_table.py --compress "$ccsv" results/README.md
fi
echo "wrote the tables of $PARTS in results/README.md (results/bench/run*.csv)"
