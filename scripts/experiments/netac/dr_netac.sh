#!/usr/bin/env bash
# Seed 004's own algorithms on demand response (issue 23): netac-v and
# netac-q on DR (48 households on a ring, 4 neighbours each, 24-hour
# episodes in 4 copies, 400 episodes), critics linear in each household's
# observation, on the reward alone (dual.mode = none, the paper's
# unconstrained objective): against the one-critic central baseline, under
# lost messages (p = 0.2), and with one lying household (gid 7; constant
# 100, sign-flip, noise of sd 10) in the critics' consensus under the mean
# and trimmed:1; then with multipliers beside the critics: dual.mode =
# consensus on the default grid (capacity_ratio 1.3) and consensus-paper on
# a tight one (0.8). netac-q with its own step sizes (critic 0.5 (t+1)^-0.3,
# actor 0.3 (t+1)^-0.5: netac-v's make its actors outrun its critics). Seeds SEEDS -> results/netac/dr_netac.csv,
# dr_netac.md, fig_dr_netac.png.
#   bash scripts/experiments/netac/dr_netac.sh     # ~2 min on 2 cores
source "$(dirname "$0")/../common.sh"
OUT=${OUT_NETAC:-results/netac}
SEEDS=${SEEDS:-"1 2 3"}
WORK=$WORK/drn
mkdir -p "$OUT" "$WORK"
BASE=(--set env.name=dr --set graph.type=ring --set graph.k=2 --set graph.agents=48
      --set env.horizon=24 --set train.copies=4 --set train.iterations=400 --set train.eval_every=400
      --set netac.critic_rate=0.2 --set netac.critic_decay=0.3 --set netac.actor_rate=1
      --set netac.actor_decay=0.4 --set dual.mode=none)
QRATES="--set netac.critic_rate=0.5 --set netac.actor_rate=0.3 --set netac.actor_decay=0.5"
declare -A VAR=(
  [v-consensus]="--set train.algo=netac-v"
  [v-central]="--set train.algo=netac-v --set netac.central=true"
  [v-linkdrop]="--set train.algo=netac-v --set faults.link_drop=0.2"
  [v-lambda]="--set train.algo=netac-v --set dual.mode=consensus"
  [v-tight]="--set train.algo=netac-v --set dual.mode=consensus-paper --set env.capacity_ratio=0.8"
  [q-consensus]="--set train.algo=netac-q $QRATES"
  [q-central]="--set train.algo=netac-q --set netac.central=true $QRATES"
)
one_liar_variants v-one "" --set train.algo=netac-v
MAN=$WORK/manifest_drn.csv
train_variants "$MAN" "${BASE[@]}"
"$PYTHON" - "$MAN" "$OUT" <<'PYEOF'
import sys
from collections import defaultdict
import numpy as np
import h5py
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
sys.path.insert(0, "scripts/experiments")  # common.sh runs from the repository root
from analyze import read_manifest
man, out = sys.argv[1], sys.argv[2]
TAIL = 40  # the last 40 episodes: the trained policies
g, curves = defaultdict(list), defaultdict(list)
with open(f"{out}/dr_netac.csv", "w") as fh:
    fh.write("variant,seed,team_reward_last40,team_reward_first10,usage,lambda_mean,disagreement,capacity_per_agent\n")
    for m in read_manifest(man):
        if m["status"] != "ok":
            continue
        h = h5py.File(m["h5"], "r")["netac/team_reward"][...]
        r = m["res"]
        row = (h[-TAIL:].mean(), h[:10].mean(), r["netac_env"]["usage"], r["netac_env"]["lambda_mean"],
               r["netac"]["disagreement"], r["netac_env"]["capacity_per_agent"])
        g[m["variant"]].append(row)
        curves[m["variant"]].append(h)
        fh.write(f"{m['variant']},{m['seed']}," + ",".join("%.10g" % x for x in row) + "\n")
def cell(v):
    a = np.array([r[0] for r in g[v]])
    return a.mean(), a.std()
L = ["# netac on demand response (dr_netac.sh)", "",
     "48 households (ring, 4 neighbours each), 400 episodes of 24 h in 4 copies; team reward "
     "($/household/step, higher is better) over the last 40 episodes, mean ± sd over the seeds "
     "(the first 10 episodes, the uniform policy: %.4f)." % np.mean([r[1] for v in g for r in g[v]]), "",
     "| variant | team reward | against | change | critic disagreement | usage / capacity | lambda |", "|---|---|---|---|---|---|---|"]
ref = {"v-consensus": "v-central", "v-central": None, "v-linkdrop": "v-consensus", "v-lambda": None, "v-tight": None, "q-consensus": "q-central",
       "q-central": None}
for m in ("constant", "signflip", "noise"):
    for rule in ("mean", "trimmed1"):
        ref[f"v-one-{m}-{rule}"] = "v-consensus"
for v, against in ref.items():
    if not g[v]:
        continue
    mu, sd = cell(v)
    ch = ""
    if against:
        b = cell(against)[0]
        ch = f"{100 * (mu - b) / abs(b):+.1f}%"
    L.append(f"| {v} | {mu:.4f} ± {sd:.4f} | {against or ''} | {ch} | "
             f"{np.median([r[4] for r in g[v]]):.3g} | {np.mean([r[2] / r[5] for r in g[v]]):.3f} | "
             f"{np.mean([r[3] for r in g[v]]):.3f} |")
open(f"{out}/dr_netac.md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
fig, ax = plt.subplots(figsize=(7, 4.2))
k = np.ones(10) / 10
for v, c in (("v-consensus", "tab:blue"), ("v-central", "k"), ("v-linkdrop", "tab:cyan"), ("q-consensus", "tab:orange"),
             ("v-one-noise-mean", "tab:red"), ("v-one-noise-trimmed1", "tab:green")):
    if curves[v]:
        m = np.mean(curves[v], axis=0)
        ax.plot(np.arange(len(m) - 9) + 10, np.convolve(m, k, "valid"), color=c, label=v)
ax.set_xlabel("episode (24 h, 4 copies)")
ax.set_ylabel("team reward ($/household/step)")
ax.set_title("netac on demand response: 48 households, 3 seeds, 10-episode mean")
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(f"{out}/fig_dr_netac.png", dpi=130)
PYEOF
