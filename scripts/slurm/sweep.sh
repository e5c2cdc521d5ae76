#!/usr/bin/env bash
# Strong and weak scaling sweeps of samarl under SLURM.
#
#   scripts/slurm/sweep.sh strong CONFIG OUTDIR [OPTIONS] [-- SAMARL ARGS...]
#   scripts/slurm/sweep.sh weak   CONFIG OUTDIR [OPTIONS] [-- SAMARL ARGS...]
#   scripts/slurm/sweep.sh table  SWEEPDIR          the table of a finished sweep
#
#   strong   the same problem (graph.agents fixed) on each rank count
#   weak     graph.agents = ranks x --per-rank: the same work per rank
#   CONFIG   INI file, or - for samarl's defaults; OUTDIR gets one directory
#            per sweep, MODE-STAMP/ (STAMP: date, or the job id with --inside),
#            with one subdirectory per size, npNNNN/ (output, job.log, ...)
#
# Two ways to run:
#   default    submit one sbatch job per size (scripts/slurm/samarl.sbatch);
#              returns at once unless --wait
#   --inside   run the sizes one after the other as job steps inside the
#              current allocation (sbatch/salloc); the rank counts default to
#              1,2,4,...,SLURM_NTASKS
#
# Options:
#   --ranks LIST        comma-separated rank counts (default when submitting:
#                       16,32,64,128,256,512,1024)
#   --agents N          strong: graph.agents (default: the config's)
#   --per-rank N        weak: agents per rank (default 1000)
#   --command CMD       run (default), consensus or train
#   --tasks-per-node N  submit: full nodes of N ranks (sbatch -N ceil(np/N)
#                       --ntasks-per-node=N) instead of letting SLURM place them
#   --sbatch "OPTS"     more sbatch options, e.g. "-p compute -A myproj -t 30"
#   --wait              submit: wait for the jobs, then print the table
#   --dry-run           print the sbatch/step commands, run nothing
#   -- SAMARL ARGS      passed to every run (--set k=v, --policy FILE, -q, ...)
# Environment: SAMARL (the binary, default build/samarl), SAMARL_LAUNCHER and
# the rest of samarl.sbatch's variables.
#
# Examples:
#   scripts/slurm/sweep.sh strong configs/rgg-1e5.ini results/scaling --command consensus \
#       --tasks-per-node 64 --sbatch "-p compute -t 20"
#   scripts/slurm/sweep.sh weak - results/scaling --per-rank 10000 --ranks 16,64,256,1024 \
#       -- --set policy.type=bestresponse --set graph.type=grid2d --set run.days=2
#   sbatch -N 16 --ntasks-per-node=64 -t 2:00:00 --wrap \
#       "scripts/slurm/sweep.sh strong my.ini results/scaling --inside --agents 1000000"
#   scripts/slurm/sweep.sh table results/scaling/strong-20250101-120000
set -euo pipefail

me=sweep.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "$me: $*" >&2; exit 2; }
PY=${PY:-python3}

table() {
  if command -v "$PY" >/dev/null; then "$PY" "$here/sweep_table.py" "$1"
  else echo "$me: no python3 for the table; the JSON records are in $1/np*/"; fi
}

[[ $# -ge 1 ]] || { sed -n '3,5s/^# \{0,1\}//p' "$0" >&2; die "need a mode: strong, weak or table"; }
case $1 in
  -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  table) [[ $# -eq 2 && -d $2 ]] || die "usage: $me table SWEEPDIR"; table "$2"; exit ;;
  strong | weak) ;;
  *) die "unknown mode '$1' (strong, weak or table)" ;;
esac
mode=$1
[[ $# -ge 3 ]] || die "usage: $me $mode CONFIG OUTDIR [OPTIONS] [-- SAMARL ARGS]"
config=$2 outdir=$3
shift 3
ranks='' agents='' per_rank=1000 per_rank_set=0 command=run inside=0 tpn='' sbatch_opts='' wait=0 dry=0
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer, not '$2'"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --ranks) ranks=${2:?}; shift ;;
    --agents) posint "$1" "${2:-}"; agents=$2; shift ;;
    --per-rank) posint "$1" "${2:-}"; per_rank=$2 per_rank_set=1; shift ;;
    --command) command=${2:?}; shift ;;
    --tasks-per-node) posint "$1" "${2:-}"; tpn=$2; shift ;;
    --sbatch) sbatch_opts=${2?}; shift ;;
    --inside) inside=1 ;;
    --wait) wait=1 ;;
    --dry-run) dry=1 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (samarl's own arguments go after --)" ;;
  esac
  shift
done
extra=("$@")
case $command in run | consensus | train) ;; *) die "--command must be run, consensus or train" ;; esac
[[ $mode == strong || -z $agents ]] || die "--agents is for strong scaling; weak takes --per-rank"
[[ $mode == weak || $per_rank_set -eq 0 ]] || die "--per-rank is for weak scaling; strong takes --agents"
if [[ $config != - ]]; then
  [[ -f $config ]] || die "config file '$config' not found; give an INI file or - for the defaults"
  config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
fi
samarl=${SAMARL:-build/samarl}
[[ -x $samarl ]] || die "samarl binary '$samarl' not found: run make, or set SAMARL=/path/to/samarl"
samarl=$(cd "$(dirname "$samarl")" && pwd)/$(basename "$samarl")
export SAMARL=$samarl

# Rank counts.
if [[ $inside -eq 1 ]]; then
  [[ -n ${SLURM_JOB_ID:-} ]] || die "--inside needs an allocation (sbatch, salloc): SLURM_JOB_ID is unset"
  total=${SLURM_NTASKS:-}
  [[ $total =~ ^[1-9][0-9]*$ ]] || die "--inside needs SLURM_NTASKS (allocate with -n or --ntasks-per-node)"
  if [[ -z $ranks ]]; then
    ranks=
    for ((n = 1; n < total; n *= 2)); do ranks+="$n,"; done
    ranks+=$total
  fi
else
  [[ -n $ranks ]] || ranks=16,32,64,128,256,512,1024
fi
IFS=, read -ra nps <<<"$ranks"
[[ ${#nps[@]} -ge 1 ]] || die "--ranks is empty"
for np in "${nps[@]}"; do
  [[ $np =~ ^[1-9][0-9]*$ ]] || die "--ranks: '$np' is not a positive integer"
  if [[ $inside -eq 1 && $np -gt $total ]]; then die "--ranks: $np is more than the allocation's $total tasks"; fi
done

stamp=${SLURM_JOB_ID:-}
[[ $inside -eq 1 ]] || stamp=$(date +%Y%m%d-%H%M%S)
sweep=$outdir/$mode-$stamp
if [[ $dry -eq 0 ]]; then
  mkdir -p "$sweep" || die "cannot create '$sweep'"
  sweep=$(cd "$sweep" && pwd)
  {
    echo "mode $mode"
    echo "command $command"
    echo "config $config"
    echo "ranks $ranks"
    [[ $mode == weak ]] && echo "per_rank $per_rank"
    [[ -n $agents ]] && echo "agents $agents"
    echo "samarl $samarl"
    printf 'args'; printf ' %q' "${extra[@]}"; echo
    echo "how $([[ $inside -eq 1 ]] && echo "steps inside job $SLURM_JOB_ID" || echo "one sbatch job per size")"
  } >"$sweep/sweep.txt"
fi

size_args() { # NP: the --set for the problem size
  if [[ $mode == weak ]]; then echo "--set graph.agents=$(($1 * per_rank))"
  elif [[ -n $agents ]]; then echo "--set graph.agents=$agents"; fi
}
show() { local s; printf -v s '%q ' "$@"; echo "  ${s% }"; }

failed=0 jobs=()
for np in "${nps[@]}"; do
  d=$sweep/$(printf 'np%04d' "$np")
  # shellcheck disable=SC2207
  sz=($(size_args "$np"))
  if [[ $inside -eq 1 ]]; then
    cmdline=(env SAMARL_NTASKS="$np" SAMARL_JOBDIR="$d" SAMARL_WORKDIR="$PWD" bash "$here/samarl.sbatch" "$command" "$config" "$sweep" "${extra[@]}" "${sz[@]}")
    if [[ $dry -eq 1 ]]; then show "${cmdline[@]}"; continue; fi
    mkdir -p "$d"
    t0=$(date +%s)
    if "${cmdline[@]}" >"$d/stdout" 2>&1; then rc=0; else rc=$?; failed=$((failed + 1)); fi
    echo "$me: np $np: exit $rc after $(($(date +%s) - t0)) s ($d)"
    [[ $rc -eq 0 ]] || tail -5 "$d/stdout" | sed 's/^/    /'
  else
    nodes=()
    if [[ -n $tpn ]]; then
      nodes=(--nodes=$(((np + tpn - 1) / tpn)) --ntasks-per-node=$((np < tpn ? np : tpn)))
    fi
    # shellcheck disable=SC2206
    cmdline=(sbatch --parsable --job-name="samarl-$mode-$np" --ntasks="$np" "${nodes[@]}"
             --output="$d/slurm-%j.out" $sbatch_opts
             "$here/samarl.sbatch" "$command" "$config" "$sweep" "${extra[@]}" "${sz[@]}")
    if [[ $dry -eq 1 ]]; then show env SAMARL_JOBDIR="$d" "${cmdline[@]}"; continue; fi
    mkdir -p "$d"
    if id=$(SAMARL_JOBDIR=$d "${cmdline[@]}"); then
      id=${id%%;*}
      jobs+=("$id")
      echo "$me: np $np: job $id ($d)"
      echo "job $np $id" >>"$sweep/sweep.txt"
    else
      failed=$((failed + 1))
      echo "$me: np $np: sbatch failed" >&2
    fi
  fi
done
[[ $dry -eq 0 ]] || exit 0

if [[ $inside -eq 0 && $wait -eq 1 && ${#jobs[@]} -gt 0 ]]; then
  echo "$me: waiting for jobs ${jobs[*]}"
  while :; do
    left=0
    for id in "${jobs[@]}"; do
      st=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
      case $st in PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | RESIZING) left=$((left + 1)) ;; esac
    done
    [[ $left -gt 0 ]] || break
    sleep "${SWEEP_POLL_S:-10}"
  done
  for id in "${jobs[@]}"; do
    st=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
    [[ -z $st || $st == COMPLETED ]] || { failed=$((failed + 1)); echo "$me: job $id ended $st" >&2; }
  done
fi
if [[ $inside -eq 1 || $wait -eq 1 ]]; then
  table "$sweep" || true
  echo "$me: results in $sweep (table: ${BASH_SOURCE[0]} table $sweep)"
else
  echo "$me: ${#jobs[@]} jobs submitted; results in $sweep"
  echo "$me: when they are done: ${BASH_SOURCE[0]} table $sweep"
fi
[[ $failed -eq 0 ]]
