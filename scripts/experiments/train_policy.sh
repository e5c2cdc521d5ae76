#!/usr/bin/env bash
# Trains the shared 1000-agent policy used by the trained-policy rows of (a).
#   ITER (default 300), COPIES (default 8), POLICY (default $WORK/p1000.h5)
# Skips training if $POLICY exists (FORCE=1 retrains).
source "$(dirname "$0")/common.sh"
ITER=${ITER:-300}
COPIES=${COPIES:-8}
POLICY=${POLICY:-$WORK/p1000.h5}
if [ "${FORCE:-0}" != 1 ] && [ -s "$POLICY" ]; then
    echo "policy $POLICY exists; not retraining (FORCE=1 to retrain)"
    exit 0
fi
echo "training $POLICY: 1000 agents, shared network, $COPIES copies, $ITER iterations"
t0=$(date +%s)
$MPIRUN -np "$NP" "$SAMARL" train --set graph.agents=1000 --set policy.sharing=shared \
    --set train.copies="$COPIES" --set train.iterations="$ITER" -o "$POLICY" \
    | grep --line-buffered -v '^  ' | tee "$OUT/train_p1000.log"
echo "training wall time: $(( $(date +%s) - t0 )) s" | tee -a "$OUT/train_p1000.log"
