# Shared by the scal-mappo-l experiments (sourced after ../common.sh, which has samarl_train).

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
