#!/usr/bin/env python3
"""Table and figures of scripts/experiments/scal-mappo-l/kappa.sh: kappa.csv
(one row per training; the issue's columns), kappa_table.md (means over
seeds, the worst seed, and the yardstick of the same graph and seed) and
fig_kappa.png (reward and violation against kappa)."""
import argparse
import csv
import json
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLS = ["graph", "n_agents", "algo", "kappa", "seed", "reward", "yardstick_reward",
        "violation_mean", "violation_max", "bytes_per_step", "seconds_per_iteration"]


def yardsticks(path):
    """(graph, seed) -> the yardstick's reward: best response + feeder at the
    dual.eta of yardstick.sh whose mean violation over seeds is at most 1%
    with the best mean reward (chosen once per graph); and graph -> eta."""
    runs = []
    try:
        with open(path) as f:
            runs = [r for r in csv.DictReader(f) if r["mode"] == "feeder"]
    except FileNotFoundError:
        return {}, {}
    by = defaultdict(list)
    for r in runs:
        by[(r["graph"], r["eta"])].append(r)
    best = {}
    for (g, eta), rs in by.items():
        v = sum(float(r["feeder_violation_mean"]) for r in rs) / len(rs)
        rew = sum(float(r["reward"]) for r in rs) / len(rs)
        if v <= 0.01 and (g not in best or rew > best[g][1]):
            best[g] = (eta, rew)
    out = {(r["graph"], r["seed"]): float(r["reward"]) for r in runs
           if r["graph"] in best and r["eta"] == best[r["graph"]][0]}
    return out, {g: b[0] for g, b in best.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True, nargs="+",
                    help="kappa.sh's manifest, and factor.sh's where it ran")
    ap.add_argument("--out", required=True)
    ap.add_argument("--yardstick", default="")
    a = ap.parse_args()
    ys, etas = yardsticks(a.yardstick) if a.yardstick else ({}, {})
    for g, e in sorted(etas.items()):
        print(f"yardstick of {g}: feeder at dual.eta = {e}")
    rows = []
    manifests = []
    for path in a.manifest:
        try:
            with open(path) as f:
                manifests += list(csv.DictReader(f))
        except FileNotFoundError:
            print(f"no {path}: left out")
    for m in manifests:
        if m["status"] != "ok":
            continue
        t = dict(kv.split("=", 1) for kv in m["tags"].split(";"))
        r = json.load(open(m["json"]))["results"]
        n = r["agent_steps"] // r["iterations"] // (8 * 48)
        rows.append({"graph": t["graph"], "n_agents": n, "algo": t["algo"],
                     "kappa": int(t["kappa"]), "seed": t["seed"],
                     "reward": r["eval_team_reward"],
                     "yardstick_reward": ys.get((t["graph"], t["seed"]), float("nan")),
                     "violation_mean": r["eval_violation_mean"],
                     "violation_max": r["eval_violation_max"],
                     "bytes_per_step": r["bytes_per_step"],
                     "seconds_per_iteration": r["s_per_iteration"]})
    with open(f"{a.out}/kappa.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS)
        w.writeheader()
        w.writerows(rows)
    g = defaultdict(list)
    for r in rows:
        g[(r["graph"], r["n_agents"], r["algo"], r["kappa"])].append(r)
    lines = ["| graph | N | algo | kappa | reward (mean; worst seed) | yardstick | "
             "vs yardstick (worst seed) | "
             "violation mean (worst seed) | violation max | bytes/step | s/iter |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for k in sorted(g, key=lambda k: (k[0], k[2] != "scal-mappo-l", k[2], k[3])):
        rs = g[k]
        mean = lambda f: sum(r[f] for r in rs) / len(rs)  # noqa: E731
        # reward - yardstick relative to |yardstick|: + above it; the worst seed
        worst_gap = min((r["reward"] - r["yardstick_reward"]) / abs(r["yardstick_reward"])
                        for r in rs)
        lines.append(
            f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {mean('reward'):.4f}; "
            f"{min(r['reward'] for r in rs):.4f} | {mean('yardstick_reward'):.4f} | "
            f"{100 * worst_gap:+.1f}% | {100 * mean('violation_mean'):.2f}% "
            f"({100 * max(r['violation_mean'] for r in rs):.2f}%) | "
            f"{100 * max(r['violation_max'] for r in rs):.1f}% | {mean('bytes_per_step'):.0f} | "
            f"{mean('seconds_per_iteration'):.2f} |")
    with open(f"{a.out}/kappa_table.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    graphs = sorted({r["graph"] for r in rows})
    fig, ax = plt.subplots(2, len(graphs), figsize=(4 * len(graphs), 6), squeeze=False)
    for c, gr in enumerate(graphs):
        for algo, mk in (("scal-mappo-l", "o-"), ("scal-mappo-l/clip1", "D"),
                         ("scal-mappo-l/none", "v"), ("ippo-l", "s"), ("happo", "^"),
                         ("mappo-l-local", "*")):
            ks = sorted({k[3] for k in g if k[0] == gr and k[2] == algo})
            if not ks:
                continue
            rew = [sum(r["reward"] for r in g[(gr, n, algo, k)]) / len(g[(gr, n, algo, k)])
                   for (gg, n, al, k) in sorted(g) if gg == gr and al == algo]
            vio = [100 * sum(r["violation_mean"] for r in g[(gr, n, algo, k)]) /
                   len(g[(gr, n, algo, k)]) for (gg, n, al, k) in sorted(g) if gg == gr and al == algo]
            ax[0][c].plot(ks, rew, mk, label=algo)
            ax[1][c].plot(ks, vio, mk, label=algo)
        y = [r["yardstick_reward"] for r in rows if r["graph"] == gr]
        if y and y[0] == y[0]:
            ax[0][c].axhline(sum(y) / len(y), color="k", lw=0.8, ls="--", label="yardstick")
        ax[0][c].set_title(gr)
        ax[0][c].set_ylabel("team reward ($/agent/step)")
        ax[1][c].set_ylabel("feeder violation, mean (% of F)")
        ax[1][c].set_xlabel("kappa")
        ax[0][c].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_kappa.png", dpi=150)
    print(f"wrote {a.out}/kappa.csv, kappa_table.md, fig_kappa.png ({len(rows)} trainings)")


if __name__ == "__main__":
    main()
