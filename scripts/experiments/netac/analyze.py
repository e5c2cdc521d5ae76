#!/usr/bin/env python3
"""Seed 004's networked actor-critic results (issue 23) from the policy
files of scripts/experiments/netac/sweep.sh: per (algorithm, variant, seed)
the mean team-average reward over the last 10^4 steps, the relative and
absolute critic disagreement, the honest critics' distance from the
fault-free run's mean critic, the number of lying agents; netac.csv,
claims.md (the issue's done-when claims, measured) and fig_netac.png."""
import argparse
import csv
import os
import sys
from collections import defaultdict

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from analyze import read_manifest  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", default="results/netac")
    a = ap.parse_args()
    rows, curves = [], defaultdict(list)
    for m in read_manifest(a.manifest):
        if m["status"] != "ok":
            print("skipping failed run", m["id"])
            continue
        algo, var, seed = m["algo"], m["variant"], int(m["seed"])
        f = h5py.File(m["h5"], "r")
        w, t = f["netac/critic"][...], f["netac/team_reward"][...]
        rec = m["res"]["netac"]
        mean = w.mean(axis=0)
        rows.append(dict(algo=algo, variant=var, seed=seed, team_reward=float(t[-10:].mean()),
                         disagreement=float(f["netac"].attrs["disagreement"]),
                         abs_spread=float(np.abs(w - mean).max()),
                         critic_norm=float(np.linalg.norm(mean)),
                         liars=int(rec["byzantine_agents"]), critic=w))
        curves[(algo, var)].append(t)
    clean = {(r["algo"], r["seed"]): r["critic"].mean(axis=0) for r in rows if r["variant"] == "consensus"}
    for r in rows:
        c = clean.get((r["algo"], r["seed"]))
        ok = c is not None and r["variant"] != "central"  # central's critic is not per agent
        r["dev_from_clean"] = float(np.abs(r["critic"] - c).max()) if ok else float("nan")
    keys = ["algo", "variant", "seed", "team_reward", "disagreement", "abs_spread", "critic_norm",
            "dev_from_clean", "liars"]
    with open(f"{a.out}/netac.csv", "w", newline="") as fh:
        wr = csv.DictWriter(fh, keys)
        wr.writeheader()
        for r in sorted(rows, key=lambda r: (r["algo"], r["variant"], r["seed"])):
            wr.writerow({k: r[k] for k in keys})
    by = defaultdict(list)
    for r in rows:
        by[(r["algo"], r["variant"])].append(r)
    L = ["# Networked actor-critic on the networked random MDP (sweep.sh)", "",
         "N = 20 agents on a ring (4 neighbours), |S| = 20, 10^5 steps, 10 seeds (each its own MDP); "
         "team reward = the mean team-average reward over the last 10^4 steps; disagreement = "
         "max_i |w_i - w_bar| / |w_bar| at the end, abs. spread max_i,k |w_ik - w_bar,k|; deviation = "
         "max_i,k |w_ik - w_bar,k(fault-free run of the seed)|. Rows with lying agents (faults.byzantine "
         "= 0.05, drawn per seed) are over the seeds where exactly one agent lies.", "",
         "| algorithm | variant | team reward (mean ± sd over seeds) | vs central | disagreement (median) | abs. spread (median) | deviation from fault-free (median) | runs |",
         "|---|---|---|---|---|---|---|---|"]
    for (algo, var), rs in list(by.items()):
        if var.startswith("liar-"):
            by[(algo, var)] = [r for r in rs if r["liars"] == 1]
    for algo in ("netac-q", "netac-v"):
        cen = np.mean([r["team_reward"] for r in by[(algo, "central")]]) if by[(algo, "central")] else float("nan")
        for var in sorted({v for (al, v) in by if al == algo}, key=lambda v: (v != "central", v != "consensus", v)):
            rs = by[(algo, var)]
            tr = np.array([r["team_reward"] for r in rs])
            L.append(f"| {algo} | {var} | {tr.mean():.4f} ± {tr.std():.4f} | {100 * (tr.mean() / cen - 1):+.2f}% | "
                     f"{np.median([r['disagreement'] for r in rs]):.2e} | {np.median([r['abs_spread'] for r in rs]):.2e} | "
                     f"{np.median([r['dev_from_clean'] for r in rs]):.2e} | {len(rs)} seeds, {sum(r['liars'] for r in rs)} liars |")
    open(f"{a.out}/claims.md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    for (algo, var), cs in sorted(curves.items()):
        if var not in ("consensus", "central", "drop0.2", "frozen"):
            continue
        c = np.mean(cs, axis=0)
        ax[0].plot(np.arange(1, len(c) + 1) * 1000, c, label=f"{algo} {var}", lw=1)
    ax[0].set_xlabel("step")
    ax[0].set_ylabel("team reward per step, 10-seed mean")
    ax[0].legend(fontsize=7)
    vs = ["consensus", "rounds20", "drop0.2", "liar-constant-mean", "liar-constant-trimmed1"]
    for k, algo in enumerate(("netac-q", "netac-v")):
        d = [np.median([r["dev_from_clean"] for r in by[(algo, v)]]) if by[(algo, v)] else np.nan for v in vs]
        ax[1].bar(np.arange(len(vs)) + 0.4 * k, d, 0.4, label=algo)
    ax[1].set_yscale("log")
    ax[1].set_xticks(np.arange(len(vs)) + 0.2, vs, rotation=20, fontsize=7)
    ax[1].set_ylabel("critics' largest deviation from the fault-free run")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_netac.png", dpi=150)


if __name__ == "__main__":
    main()
