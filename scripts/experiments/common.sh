# Common settings of the paper experiments (sourced by the driver scripts).
#   SAMARL  the samarl binary            (default build/samarl)
#   NP      MPI ranks                    (default 2)
#   WORK    scratch dir for .h5/.json    (default /tmp/samarl-paper)
#   OUT     tables, figures, manifests   (default results/paper)
#   MPIRUN  launcher                     (default mpirun)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SAMARL=${SAMARL:-build/samarl}
NP=${NP:-2}
WORK=${WORK:-/tmp/samarl-paper}
OUT=${OUT:-results/paper}
MPIRUN=${MPIRUN:-mpirun}
GRIDS=${GRIDS:-${SAMARL_SHARED:-../shared}/data/grids}
PYTHON=${PYTHON:-/usr/bin/python3}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mkdir -p "$WORK" "$OUT"
[ -x "$SAMARL" ] || { echo "samarl binary '$SAMARL' not found (set SAMARL=...)" >&2; exit 1; }

# runs_progress: with RUNS_TOTAL set (and RUNS_T0 = date +%s), the runs
# done of it, the time so far and the ETA, for samarl_run/samarl_train's line.
RUNS_DONE=0
runs_progress() {
    RUNS_DONE=$((RUNS_DONE + 1))
    [ -n "${RUNS_TOTAL:-}" ] || { RUNS_NOTE=""; return; }
    local el=$(( $(date +%s) - ${RUNS_T0:-$(date +%s)} ))
    RUNS_NOTE=$(printf ' [%d/%d, %d s, ETA %d s]' "$RUNS_DONE" "$RUNS_TOTAL" "$el" \
        $(( el * (RUNS_TOTAL - RUNS_DONE) / RUNS_DONE )))
}

# samarl_run MANIFEST KEY=VAL... -- SAMARL_ARGS...
# Runs 'samarl run -q SAMARL_ARGS -o $WORK/<id>.h5' and appends one CSV row
#   id,<the KEY=VAL pairs as key=val;key=val>,status,wall_s,json
# to MANIFEST. The run id is built from the tag values. A run whose JSON
# already exists is reused (not rerun) unless FORCE=1; its wall time is
# kept in $WORK/<id>.wall.
samarl_run() {
    local manifest=$1; shift
    local tags=() id
    while [ "$1" != "--" ]; do tags+=("$1"); shift; done
    shift
    id=$(printf '%s' "${tags[*]}" | tr ' =/' '_-_' )
    local h5="$WORK/$id.h5" json="$WORK/$id.json" log="$WORK/$id.log"
    local status=ok t0 t1 wall note=""
    if [ "${FORCE:-0}" = 1 ] || [ ! -s "$json" ] || [ ! -s "$h5" ]; then
        rm -f "$json" "$WORK/$id.wall"
        t0=$(date +%s.%N)
        if ! $MPIRUN -np "$NP" "$SAMARL" run -q "$@" -o "$h5" >"$log" 2>&1; then
            status=failed
            echo "  FAILED: $id (see $log)" >&2
        fi
        t1=$(date +%s.%N)
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
        echo "$wall" >"$WORK/$id.wall"
    else
        wall=$(cat "$WORK/$id.wall" 2>/dev/null || echo nan)
        note=" (reused)"
    fi
    [ -s "$json" ] || status=failed
    local IFS=';'
    echo "$id,${tags[*]},$status,$wall,$json" >>"$manifest"
    runs_progress
    printf '  %-60s %s %ss%s%s\n' "$id" "$status" "$wall" "$note" "$RUNS_NOTE"
}

# samarl_train MANIFEST KEY=VAL... -- ARGS: as samarl_run, for
# samarl train; a training whose JSON is in $WORK is reused (FORCE=1 reruns).
samarl_train() {
    local manifest=$1; shift
    local tags=() id
    while [ "$1" != "--" ]; do tags+=("$1"); shift; done
    shift
    id=$(printf '%s' "${tags[*]}" | tr ' =/' '_-_')
    local h5="$WORK/$id.h5" json="$WORK/$id.json" status=ok
    if [ "${FORCE:-0}" = 1 ] || [ ! -s "$json" ]; then
        rm -f "$json"
        $MPIRUN -np "$NP" "$SAMARL" train -q "$@" -o "$h5" >"$WORK/$id.log" 2>&1 </dev/null ||
            status=failed
    fi
    [ -s "$json" ] || status=failed
    local IFS=';'
    echo "$id,${tags[*]},$status,0,$json" >>"$manifest"
    runs_progress
    printf '  %-60s %s%s\n' "$id" "$status" "$RUNS_NOTE"
}

# one_liar_variants PREFIX SUFFIX ARGS...: into the caller's associative
# array VAR, for each way of lying m (constant 100, sign-flip, noise) the
# runs PREFIX-m-mean SUFFIX and PREFIX-m-trimmed1 SUFFIX: ARGS with agent
# 7 lying in the consensus, under the plain mean and under trimmed:1.
one_liar_variants() {
    local pre=$1 suf=$2 m f
    shift 2
    for m in constant signflip noise; do
        f="$* --set faults.byzantine_agents=7"
        case $m in
        constant) f+=" --set faults.byzantine_value=100" ;;
        signflip) f+=" --set faults.byzantine_mode=sign-flip" ;;
        noise) f+=" --set faults.byzantine_mode=noise" ;;
        esac
        VAR[$pre-$m-mean$suf]=$f
        VAR[$pre-$m-trimmed1$suf]="$f --set consensus.aggregate=trimmed:1"
    done
}

# train_variants MANIFEST BASE_ARGS...: a new MANIFEST, then samarl_train
# of BASE_ARGS and each variant's arguments ${VAR[v]} (the caller's
# associative array) for every seed in SEEDS, tagged variant=v seed=s,
# with the runs' progress and ETA.
train_variants() {
    local man=$1 seed v
    shift
    echo "id,tags,status,wall_s,json" >"$man"
    RUNS_TOTAL=$((${#VAR[@]} * $(wc -w <<<"$SEEDS"))) RUNS_T0=$(date +%s)
    for seed in $SEEDS; do
        for v in "${!VAR[@]}"; do
            # shellcheck disable=SC2086 # a variant's arguments split on purpose
            samarl_train "$man" variant="$v" seed="$seed" -- "$@" ${VAR[$v]} --set run.seed="$seed"
        done
    done
}

# grid_inputs NAME: the real grid NAME from $GRIDS as samarl arguments in
# the array GRID_ARGS (its graph, and its bus loads with negative ones,
# buses that inject power, set to 0 in a copy in $WORK: samarl refuses
# negative loads and raises zeros to env.min_scale, as sweep.sh does).
grid_inputs() {
    local graph=$GRIDS/$1.graph nodes=$GRIDS/$1.nodes.csv col
    [ -e "$graph" ] && [ -e "$nodes" ] || { echo "no $graph or $nodes (set GRIDS=...)" >&2; exit 1; }
    col=$(head -1 "$nodes" | tr ',' '\n' | grep -nx pd_mw | cut -d: -f1)
    awk -F, -v OFS=, -v c="$col" 'NR > 1 && $c < 0 {$c = 0} {print}' "$nodes" >"$WORK/$1.nodes.nonneg.csv"
    GRID_ARGS=(--set graph.type=file --set graph.path="$graph" --set env.nodes="$WORK/$1.nodes.nonneg.csv")
}
