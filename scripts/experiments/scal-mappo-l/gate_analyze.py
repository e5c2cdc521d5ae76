#!/usr/bin/env python3
"""The issue-20 gate against the training budget (gate.sh): gate.csv (one
row per training: its gap to the yardstick of the same graph and seed and
whether it meets the gate), gate_table.md (per graph, factor and budget:
worst seed, violation, seeds passing) and fig_gate.png. The 80-iteration
rows come from kappa.sh's and factor.sh's manifests (kappa 2, prod and
clip1), the longer budgets from gate.sh's."""
import argparse
import csv
import json
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from kappa_analyze import yardsticks

COLS = ["graph", "n_agents", "factor", "iterations", "seed", "reward", "yardstick_reward",
        "gap", "violation_mean", "violation_max", "passes"]
GAP, VIOLATION = -0.05, 0.01  # the gate


def trainings(paths):
    """(tags, results) of every finished kappa-2 scal-mappo-l training on
    the gate's graphs, with tags factor and iterations filled in."""
    for path in paths:
        try:
            with open(path) as f:
                rows = list(csv.DictReader(f))
        except FileNotFoundError:
            print(f"no {path}: left out")
            continue
        for m in rows:
            t = dict(kv.split("=", 1) for kv in m["tags"].split(";"))
            if m["status"] != "ok" or t["graph"] not in ("ring", "case118"):
                continue
            if "factor" not in t:  # kappa.sh / factor.sh: algo scal-mappo-l[/FACTOR]
                algo = t["algo"].split("/")
                if algo[0] != "scal-mappo-l" or t["kappa"] != "2":
                    continue
                t["factor"] = algo[1] if len(algo) > 1 else "prod"
                if t["factor"] not in ("prod", "clip1"):
                    continue
            r = json.load(open(m["json"]))["results"]
            t["iterations"] = r["iterations"]
            yield t, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True, nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--yardstick", required=True)
    a = ap.parse_args()
    ys, _ = yardsticks(a.yardstick)
    rows = []
    for t, r in trainings(a.manifest):
        y = ys.get((t["graph"], t["seed"]), float("nan"))
        gap = (r["eval_team_reward"] - y) / abs(y)
        rows.append({"graph": t["graph"],
                     "n_agents": r["agent_steps"] // r["iterations"] // (8 * 48),
                     "factor": t["factor"], "iterations": t["iterations"], "seed": t["seed"],
                     "reward": r["eval_team_reward"], "yardstick_reward": y, "gap": gap,
                     "violation_mean": r["eval_violation_mean"],
                     "violation_max": r["eval_violation_max"],
                     "passes": int(gap >= GAP and r["eval_violation_mean"] <= VIOLATION)})
    rows.sort(key=lambda r: (r["graph"], r["factor"], r["iterations"], r["seed"]))
    with open(f"{a.out}/gate.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS)
        w.writeheader()
        w.writerows(rows)
    g = defaultdict(list)
    for r in rows:
        g[(r["graph"], r["n_agents"], r["factor"], r["iterations"])].append(r)
    lines = ["| graph | N | factor | iterations | reward (mean) | vs yardstick, per seed | "
             "violation mean (worst seed) | seeds passing |",
             "|---|---|---|---|---|---|---|---|"]
    for k in sorted(g):
        rs = g[k]
        lines.append(
            f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | "
            f"{sum(r['reward'] for r in rs) / len(rs):.4f} | "
            + " ".join(f"{100 * r['gap']:+.1f}%" for r in rs) + " | "
            f"{100 * sum(r['violation_mean'] for r in rs) / len(rs):.2f}% "
            f"({100 * max(r['violation_mean'] for r in rs):.2f}%) | "
            f"{sum(r['passes'] for r in rs)}/{len(rs)} |")
    with open(f"{a.out}/gate_table.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    graphs = sorted({r["graph"] for r in rows})
    fig, ax = plt.subplots(1, len(graphs), figsize=(4.5 * len(graphs), 3.6), squeeze=False)
    for c, gr in enumerate(graphs):
        for factor, mk in (("prod", "o-"), ("clip1", "D-")):
            its = sorted({k[3] for k in g if k[0] == gr and k[2] == factor})
            if not its:
                continue
            worst = [100 * min(r["gap"] for r in g[k]) for it in its
                     for k in g if k[0] == gr and k[2] == factor and k[3] == it]
            ax[0][c].plot(its, worst, mk, label=f"{factor} (worst seed)")
        ax[0][c].axhline(100 * GAP, color="k", lw=0.8, ls="--", label="gate")
        ax[0][c].set_title(f"{gr}: scal-mappo-l, kappa 2")
        ax[0][c].set_xlabel("training iterations")
        ax[0][c].set_ylabel("reward vs yardstick (%)")
        ax[0][c].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_gate.png", dpi=150)
    print(f"wrote {a.out}/gate.csv, gate_table.md, fig_gate.png ({len(rows)} trainings)")


if __name__ == "__main__":
    main()
