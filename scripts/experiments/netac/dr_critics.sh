#!/usr/bin/env bash
# Seed 004 on demand response (issue 23): ippo-l on DR-net (48 households on
# a ring, 4 neighbours each, under their feeder limits), 200 iterations,
# with each agent's critics its own, consensed with its neighbours' (2
# rounds after each update, train.critic_consensus), and consensed with 5%
# lying agents (constant 100, or noise of sd 10), and with one lying agent
# (gid 7, faults.byzantine_agents; constant 100, sign-flip, noise of sd
# 10), under the mean and trimmed:1; the one-liar runs again with 1 and 5
# rounds per update (each against the fault-free run with as many rounds);
# seeds SEEDS -> results/netac/dr_critics.csv, dr_critics.md.
#   bash scripts/experiments/netac/dr_critics.sh     # ~1 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_NETAC:-results/netac}
SEEDS=${SEEDS:-"1 2 3"}
WORK=$WORK/drc
mkdir -p "$OUT" "$WORK"
BASE=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48
      --set env.horizon=24 --set train.copies=4 --set train.eval_copies=4 --set train.eval_every=50
      --set train.critic_hidden=16 --set policy.hidden=16 --set train.iterations=200
      --set train.algo=ippo-l)
declare -A VAR=(
  [independent]=""
  [consensus]="--set train.critic_consensus=2"
  [liar-constant-mean]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_value=100"
  [liar-constant-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_value=100 --set consensus.aggregate=trimmed:1"
  [liar-noise-mean]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_mode=noise"
  [liar-noise-trimmed1]="--set train.critic_consensus=2 --set faults.byzantine=0.05 --set faults.byzantine_mode=noise --set consensus.aggregate=trimmed:1"
)
one_liar_variants one "" --set train.critic_consensus=2
# The one-liar cases with R = 1 and 5 rounds (R = 2 above): does the harm
# grow with the rounds the liar takes part in?
for R in 1 5; do
  VAR[consensus-r$R]="--set train.critic_consensus=$R"
  one_liar_variants one "-r$R" --set train.critic_consensus=$R
done
MAN=$WORK/manifest_drc.csv
train_variants "$MAN" "${BASE[@]}"
"$PYTHON" - "$MAN" "$OUT/dr_critics.csv" "$OUT/dr_critics.md" <<'PYEOF'
import csv, os, sys
from collections import defaultdict
import numpy as np
sys.path.insert(0, "scripts/experiments")  # common.sh runs from the repository root
from analyze import read_manifest
KEYS = ("eval_team_reward", "team_reward", "violation_mean", "critic_spread")
with open(sys.argv[2], "w") as fh:
    fh.write("variant,seed," + ",".join(KEYS) + "\n")
    for m in read_manifest(sys.argv[1]):
        if m["status"] == "ok":
            fh.write(",".join([m["variant"], m["seed"]] + ["%.10g" % m["res"][k] for k in KEYS]) + "\n")
rows = list(csv.DictReader(open(sys.argv[2])))
g = defaultdict(list)
for r in rows:
    g[r["variant"]].append(r)
base = np.mean([float(r["eval_team_reward"]) for r in g["consensus"]])
L = ["# ippo-l on DR-net with consensed critics (dr_critics.sh)", "",
     "48 households, ring with 4 neighbours, 200 iterations; evaluation team reward "
     "($/agent/step, higher is better), mean ± sd over the seeds; change against the "
     "fault-free consensed critics.", "",
     "| critics | eval team reward | change | feeder violation (of the bound) | critic spread |",
     "|---|---|---|---|---|"]
order = ["independent", "consensus", "liar-constant-mean", "liar-constant-trimmed1", "liar-noise-mean", "liar-noise-trimmed1",
         "one-constant-mean", "one-constant-trimmed1", "one-signflip-mean", "one-signflip-trimmed1", "one-noise-mean", "one-noise-trimmed1"]
for v in order:
    rs = g[v]
    e = np.array([float(r["eval_team_reward"]) for r in rs])
    L.append(f"| {v} | {e.mean():.4f} ± {e.std():.4f} | {100 * (e.mean() - base) / abs(base):+.1f}% | "
             f"{np.mean([float(r['violation_mean']) for r in rs]):.4f} | {np.median([float(r['critic_spread']) for r in rs]):.3g} |")
L += ["", "## One liar (gid 7) against the rounds per update", "",
      "Change of the eval team reward against the fault-free consensed critics with the same "
      "rounds R per update (mean over the seeds).", "",
      "| liar | rule | R = 1 | R = 2 | R = 5 |", "|---|---|---|---|---|"]
def change(v, R):
    key = lambda name: name if R == 2 else f"{name}-r{R}"
    b = np.mean([float(r["eval_team_reward"]) for r in g[key("consensus")]])
    e = np.mean([float(r["eval_team_reward"]) for r in g[key(v)]])
    return f"{100 * (e - b) / abs(b):+.1f}%"
for m in ("constant", "signflip", "noise"):
    for rule in ("mean", "trimmed1"):
        L.append(f"| {m} | {rule} | " + " | ".join(change(f"one-{m}-{rule}", R) for R in (1, 2, 5)) + " |")
open(sys.argv[3], "w").write("\n".join(L) + "\n")
print("\n".join(L))
PYEOF
