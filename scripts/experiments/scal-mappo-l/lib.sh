# Shared by the scal-mappo-l experiments (sourced after ../common.sh).

PROFILES=${PROFILES:-${SAMARL_SHARED:-../shared}/data/citylearn2022/profiles.csv}

# graph_args NAME: the graph options of a graph name into the array G:
# ring (k = 2, 256 agents), ring64 (64), rgg (256, components allowed), or
# a real grid of $GRIDS with its bus loads and the CityLearn profiles.
graph_args() {
    case $1 in
        ring) G=(--set graph.type=ring --set graph.k=2 --set graph.agents=256) ;;
        ring64) G=(--set graph.type=ring --set graph.k=2 --set graph.agents=64) ;;
        rgg) G=(--set graph.type=rgg --set graph.agents=256 --set graph.allow_disconnected=true) ;;
        *) G=(--set graph.type=file --set graph.path="$GRIDS/$1.graph"
              --set env.nodes="$GRIDS/$1.nodes.csv" --set env.profiles="$PROFILES") ;;
    esac
}

# samarl_train MANIFEST KEY=VAL... -- ARGS: as samarl_run (common.sh), for
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
    printf '  %-60s %s\n' "$id" "$status"
}
