#!/usr/bin/env bash
# A parameter sweep as one SLURM job array: one array task per row of a
# manifest, then one table of the rows' results.
#
#   scripts/slurm/array.sh MANIFEST [OPTIONS]        submit the array and the gather job
#   scripts/slurm/array.sh gather MANIFEST [--outdir DIR]
#                                                    (re)write the table now
#
# MANIFEST  a CSV file, a header and one row per task:
#             id,command,config,args,graph.agents,dual.eta
#             small,run,configs/default.ini,-q,1000,0.1
#             large,run,configs/default.ini,-q,10000,0.1
#             trained,run,-,--policy results/policy.h5,1000,
#           id       required: the row's directory OUTDIR/ID/ (letters,
#                    digits, . _ -; unique)
#           command  required: run, train, eval or consensus
#           config   an INI file (relative to where you run array.sh), or
#                    - / empty for samarl's defaults
#           args     more samarl arguments, split on spaces (-q, --policy F)
#           SECTION.KEY  any other column: a non-empty cell gives
#                    --set SECTION.KEY=CELL; an empty one leaves the key be
#           Quote cells with commas ("0,0.1,0.2"); lines starting with #
#           and blank lines are skipped.
#
# Options:
#   --outdir DIR    the rows' directories (default: the manifest's path
#                   without .csv, e.g. sweeps/eta.csv -> sweeps/eta/)
#   --sbatch "OPTS" sbatch options for every task, e.g. "-n 64 -t 2:00:00
#                   -p compute --signal=B:USR1@300" (the gather job gets
#                   them too, with -N 1 -n 1 -t 10 after them)
#   --wait          wait for the gather job, then print the table
#   --dry-run       print the sbatch commands, submit nothing
#
# What it does: sbatch --array=0-(N-1) runs row SLURM_ARRAY_TASK_ID through
# samarl.sbatch --name ID (so each row has a fixed directory OUTDIR/ID/:
# job.log, samarl.log, the output, the checkpoint; requeue on USR1 and
# restart work per task as in samarl.sbatch), with --requeue and
# --open-mode=append; then a gather job, --dependency=afterany:ARRAYID (it
# runs when every task has ended, failed ones included), writes the table
# MANIFEST-STEM-results.csv beside the manifest (sweeps/eta-results.csv):
# per row id, command, the manifest's columns, status (ok, failed,
# unfinished, not started), exit, job, output, n_ranks, agents, total_s and
# every scalar of the JSON record's "results" (eval writes no JSON: its
# row has status and output only). Submitting again skips rows whose
# output is complete and continues rows with a checkpoint.
# OUTDIR/array.txt records the job ids; task output goes to
# OUTDIR/slurm-ARRAYID_INDEX.out.
#
# Environment: SAMARL (the binary, default build/samarl) and the rest of
# samarl.sbatch's variables; PY (default python3) for the manifest.
set -euo pipefail

me=array.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "$me: $*" >&2; exit 2; }
PY=${PY:-python3}

# ---- one array task (submitted by this script; not for direct use) ----------------
if [[ ${1:-} == task ]]; then
  [[ $# -eq 4 ]] || die "task: internal use (task MANIFEST OUTDIR SCRIPTDIR)"
  manifest=$2 outdir=$3 scripts=$4
  i=${SLURM_ARRAY_TASK_ID:?not an array task (SLURM_ARRAY_TASK_ID unset)}
  mapfile -d '' row < <("$PY" "$scripts/manifest.py" row "$manifest" "$i") ||
    die "row $i of $manifest: cannot read it"
  [[ ${#row[@]} -ge 3 ]] || die "row $i of $manifest: cannot read it"
  echo "$me: task $i of array ${SLURM_ARRAY_JOB_ID:-?}: row '${row[0]}'"
  # exec: samarl.sbatch becomes the batch shell, so it gets --signal=B:USR1.
  exec bash "$scripts/samarl.sbatch" --name "${row[0]}" "${row[1]}" "${row[2]}" "$outdir" "${row[@]:3}"
fi

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
  [[ $# -ge 1 ]] && exit 0
  die "need a MANIFEST"
fi
gather_only=0
if [[ $1 == gather ]]; then gather_only=1; shift; fi
[[ $# -ge 1 ]] || die "need a MANIFEST"
manifest=$1
shift
outdir='' sbatch_opts='' wait=0 dry=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --outdir) outdir=${2:?--outdir needs a directory}; shift ;;
    --sbatch) sbatch_opts=${2?--sbatch needs options}; shift ;;
    --wait) wait=1 ;;
    --dry-run) dry=1 ;;
    *) die "unknown option '$1' (--outdir, --sbatch, --wait, --dry-run)" ;;
  esac
  shift
done
[[ $gather_only -eq 0 || ( $wait -eq 0 && $dry -eq 0 && -z $sbatch_opts ) ]] ||
  die "gather takes only --outdir"
[[ -f $manifest ]] || die "manifest '$manifest' not found"
command -v "$PY" >/dev/null || die "no $PY: the manifest is read with Python (standard library)"
manifest=$(cd "$(dirname "$manifest")" && pwd)/$(basename "$manifest")
stem=${manifest%.csv}
[[ -n $outdir ]] || outdir=$stem
table=$stem-results.csv

if [[ $gather_only -eq 1 ]]; then
  [[ -d $outdir ]] || die "no directory '$outdir' (give --outdir as when submitting)"
  exec "$PY" "$here/manifest.py" gather "$manifest" "$(cd "$outdir" && pwd)" "$table"
fi

n=$("$PY" "$here/manifest.py" check "$manifest") || exit 2
[[ $n =~ ^[1-9][0-9]*$ ]] || die "manifest check: '$n'"
name=$(basename "$stem")

# shellcheck disable=SC2206
opts=($sbatch_opts)
q() { local s; printf -v s '%q ' "$@"; echo "${s% }"; }
if [[ $dry -eq 1 ]]; then
  q sbatch --parsable --array=0-$((n - 1)) -J "$name" --requeue --open-mode=append \
    -o "$outdir/slurm-%A_%a.out" "${opts[@]}" "$here/array.sh" task "$manifest" "$outdir" "$here"
  q sbatch --parsable --dependency=afterany:ARRAYID -J "$name-gather" -o "$outdir/gather-%j.out" \
    "${opts[@]}" -N 1 -n 1 -t 10 --wrap "$PY $here/manifest.py gather $manifest $outdir $table"
  echo "$me: $n rows; would write $outdir/ID/ and $table"
  exit 0
fi

mkdir -p "$outdir" || die "cannot create '$outdir'"
outdir=$(cd "$outdir" && pwd)
arr=$(sbatch --parsable --array=0-$((n - 1)) -J "$name" --requeue --open-mode=append \
  -o "$outdir/slurm-%A_%a.out" "${opts[@]}" "$here/array.sh" task "$manifest" "$outdir" "$here") ||
  die "sbatch (the array) failed"
arr=${arr%%;*}
gjob=$(sbatch --parsable --dependency=afterany:"$arr" -J "$name-gather" -o "$outdir/gather-%j.out" \
  "${opts[@]}" -N 1 -n 1 -t 10 \
  --wrap "$(q "$PY" "$here/manifest.py" gather "$manifest" "$outdir" "$table")") || {
  echo "$me: sbatch (the gather job) failed; the array $arr runs; afterwards: $me gather $manifest --outdir $outdir" >&2
  exit 1
}
gjob=${gjob%%;*}
{
  echo "manifest $manifest"
  echo "rows $n"
  echo "array $arr"
  echo "gather $gjob"
  echo "table $table"
  echo "submitted $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >>"$outdir/array.txt"
echo "$me: array $arr ($n tasks), gather $gjob -> $table"

[[ $wait -eq 1 ]] || exit 0
poll=${SWEEP_POLL_S:-5}
while :; do
  st=$(scontrol -o show job "$gjob" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  case $st in PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED) sleep "$poll" ;; *) break ;; esac
done
[[ -f $table ]] || die "the gather job $gjob ended ($st) without the table $table (see $outdir/gather-$gjob.out)"
cat "$outdir/gather-$gjob.out" 2>/dev/null || true
[[ $st == COMPLETED ]]
