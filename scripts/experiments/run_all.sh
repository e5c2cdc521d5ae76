#!/usr/bin/env bash
# All paper experiments of issue 4, item 7: train the shared policy, (a)
# dual modes, (b)-(d) the K x connectivity sweep, then the tables and
# figures in results/paper. Run from anywhere:
#   SAMARL=build/samarl bash scripts/experiments/run_all.sh
# Runs whose JSON is already in $WORK are reused (FORCE=1 reruns them).
source "$(dirname "$0")/common.sh"
D=scripts/experiments
t0=$(date +%s)
bash $D/train_policy.sh
t1=$(date +%s)
echo "== (a) modes"; bash $D/modes.sh
t2=$(date +%s)
echo "== (b)-(d) sweep"; bash $D/sweep.sh
t3=$(date +%s)
echo "== tables and figures"; "$PYTHON" $D/analyze.py --out "$OUT" --grids "$GRIDS"
t4=$(date +%s)
{
    echo "wall time of this invocation (runs whose JSON existed were reused, not rerun):"
    echo "train $((t1 - t0)) s, modes $((t2 - t1)) s, sweep $((t3 - t2)) s, analysis $((t4 - t3)) s, total $((t4 - t0)) s"
    echo "samarl: $("$SAMARL" --version 2>/dev/null | head -1) ($SAMARL), NP=$NP, host $(nproc) cores"
} | tee "$OUT/timing_last_invocation.txt"
