#!/usr/bin/env bash
# A million agents on one small machine (issue 5): samarl run with 10^6
# agents for a simulated week (168 hourly steps, consensus every dual epoch)
# with the best response, one shared network and 10^6 per-agent networks; and
# samarl train with per-agent networks at 10^4 agents and one shared network
# at 10^6. Every row gives agent-steps/s per core, the per-phase timers, peak
# memory per agent (set-up and after it), and the memory model of
# docs/performance.md (scripts/perf_model.py) beside the measurement.
#
#   bench/million.sh                      the full set (about 6 minutes, 2 cores, ~8 GB RAM,
#                                         ~16 GB of temporary disk)
#   N=100000 DAYS=2 bench/million.sh      a smaller rehearsal
#   RANKS=4 bench/million.sh              more ranks (on a machine with the cores)
#
# Writes results/bench/million.csv, results/bench/million.md and the logs of
# every command in results/bench/million/. Run it on an otherwise idle
# machine: the rates are per core and only mean something then.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${N:-1000000}
NTRAIN_AGENT=${NTRAIN_AGENT:-10000}
DAYS=${DAYS:-7}
RANKS=${RANKS:-2}
GRAPH=${GRAPH:-grid2d}
TMPDIR_BENCH=${TMPDIR_BENCH:-/tmp}
PY=${PY:-/usr/bin/python3}
[[ -x $PY ]] || PY=python3
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
MPIRUN=${MPIRUN:-mpirun}
S=$BUILD/samarl
[[ -x $S ]] || { echo "bench/million.sh: $S not found: run make first" >&2; exit 1; }
tmpd=$(mktemp -d "$TMPDIR_BENCH/samarl-million.XXXXXX"); trap 'rm -rf "$tmpd"' EXIT
out=results/bench/million
mkdir -p "$out"
csv=results/bench/million.csv
echo "command,policy,agents,ranks,steps,agent_steps,wall_s,agent_steps_per_s,per_core,policy_s,env_s,consensus_s,dual_s,reduce_s,io_s,collect_s,update_s,rss_sum_bytes,rss_per_agent,setup_rss_max_bytes,after_rss_sum_bytes,model_rss_sum_bytes,model_ratio,fulfilled,avg_slack_ratio,cmdline" >"$csv.partial"

G=(--set graph.agents="$N" --set graph.type="$GRAPH" --set consensus.sigma_iters=0)

# record NAME KIND POLICY AGENTS JSON CMDLINE...: one CSV row from a JSON record.
record() {
  local kind=$1 pol=$2 agents=$3 json=$4; shift 4
  $PY - "$json" "$kind" "$pol" "$agents" "$RANKS" "$*" >>"$csv.partial" <<'PY'
import json, os, subprocess, sys
sys.path.insert(0, "scripts")
import perf_model
f, kind, pol, agents, ranks, cmd = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
r = json.load(open(f))
t = r["timers"]; m = r["memory"]; res = r["results"]
g = lambda k: t.get(k, {}).get("max_s", 0.0)
rate = res["agent_steps_per_s"]
cfg = r.get("config", {})
model = perf_model.peak_rss_sum(kind, pol, agents, ranks, r)
steps = res.get("steps", res.get("iterations", 0))
print(f"{kind},{pol},{agents},{ranks},{steps},{res['agent_steps']},{res['wall_s']:.3f},{rate:.0f},"
      f"{rate / ranks:.0f},{g('policy'):.3f},{g('env'):.3f},{g('consensus'):.3f},{g('dual'):.3f},"
      f"{g('reduce'):.3f},{g('io'):.3f},{g('collect'):.3f},{g('update'):.3f},"
      f"{m['peak_rss_bytes_sum']},{m['peak_rss_bytes_sum'] / agents:.0f},"
      f"{m.get('setup_peak_rss_bytes_max', -1)},{m.get('after_setup_peak_rss_bytes_sum', -1)},"
      f"{model:.0f},{m['peak_rss_bytes_sum'] / model:.3f},"
      f"{res.get('fulfilled', '')},{res.get('avg_slack_ratio', '')},\"{cmd}\"")
PY
  tail -1 "$csv.partial" | cut -d, -f1-9,18-25
}

# run POLICY ARGS...: samarl run for DAYS days on N agents, RANKS ranks.
run() {
  local pol=$1; shift
  local cmd=("$MPIRUN" -np "$RANKS" "$S" run "${G[@]}" --set run.days="$DAYS" "$@" -o "$tmpd/run.h5")
  echo "== ${cmd[*]}"
  "${cmd[@]}" >"$out/run-$pol.log" 2>&1 || { tail -20 "$out/run-$pol.log"; exit 1; }
  cp "$tmpd/run.json" "$out/run-$pol.json"
  record run "$pol" "$N" "$tmpd/run.json" "${cmd[*]}"
  rm -f "$tmpd/run.h5"
}

# train NAME AGENTS ARGS...: samarl train, the policy file kept in $tmpd/NAME.h5.
train() {
  local name=$1 agents=$2; shift 2
  local cmd=("$MPIRUN" -np "$RANKS" "$S" train --set graph.agents="$agents" --set graph.type="$GRAPH"
             --set consensus.sigma_iters=0 "$@" -o "$tmpd/$name.h5")
  echo "== ${cmd[*]}"
  "${cmd[@]}" >"$out/train-$name.log" 2>&1 || { tail -20 "$out/train-$name.log"; exit 1; }
  cp "$tmpd/$name.json" "$out/train-$name.json"
  record train "$name" "$agents" "$tmpd/$name.json" "${cmd[*]}"
}

# Training: per-agent networks at 10^4 (the default PPO: 32 copies x 168
# steps, 4 epochs x 8 minibatches), one shared network at 10^6 (1 copy x 24
# steps, 1 epoch x 8 minibatches: 2.4e7 samples per iteration).
train agent "$NTRAIN_AGENT" --set policy.sharing=agent --set train.iterations="${TRAIN_AGENT_ITERS:-3}" \
  --set train.eval_every=0
train shared "$N" --set policy.sharing=shared --set train.copies=1 --set env.horizon=24 \
  --set train.epochs=1 --set train.iterations="${TRAIN_SHARED_ITERS:-3}" --set train.eval_every=0 \
  --set train.eval_copies=1
# Per-agent networks at 10^6: initialised, weights only (6 GB); execution
# speed does not depend on the weights' values.
train agent-init "$N" --set policy.sharing=agent --set train.iterations=0 --set train.save_adam=false \
  --set train.copies=1 --set env.horizon=24 --set train.eval_every=0 --set train.eval_copies=1

run bestresponse --set policy.type=bestresponse
run shared --set policy.sharing=shared --policy "$tmpd/shared.h5"
rm -f "$tmpd/shared.h5"
run agent --set policy.sharing=agent --policy "$tmpd/agent-init.h5"
rm -f "$tmpd/agent-init.h5"

mv "$csv.partial" "$csv"
$PY scripts/perf_model.py --table "$csv" >results/bench/million.md
# The same table in docs/performance.md, between its markers.
$PY - results/bench/million.md docs/performance.md <<'PY'
import re, sys
table, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
new = re.sub(r"(<!-- million:begin -->\n).*?(<!-- million:end -->)", lambda m: m.group(1) + table + m.group(2),
             doc, flags=re.S)
open(sys.argv[2], "w").write(new)
PY
echo "wrote $csv, results/bench/million.md and the logs in $out/"
