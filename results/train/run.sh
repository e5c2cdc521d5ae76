#!/usr/bin/env bash
# The issue-3 acceptance run: 32 agents, default configuration, per-agent
# policies trained on 2 ranks, then evaluated at fixed multipliers beside the
# best-response policy. Writes results/train/{train.log,eval.log,curve.csv,
# curve.png} (policy.h5 stays in /tmp: it is large and reproducible).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
out=results/train
mpirun -np 2 build/samarl train --set graph.agents=32 -o /tmp/samarl-policy32.h5 | tee $out/train.log
build/samarl eval --set graph.agents=32 --policy /tmp/samarl-policy32.h5 \
  --lambda 0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1 -o $out/curve.csv | tee $out/eval.log
/usr/bin/python3 scripts/plot_eval.py $out/curve.csv $out/curve.png
