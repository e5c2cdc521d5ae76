#!/usr/bin/env python3
"""The price-setting aggregator against the oracle (scripts/experiments/
altmarl/dr_price.sh): per policy, mode and k the mean over seeds of the
run's slack (mean (sum g - C) / C), the share of steps over capacity,
demand served, energy cost and the mean multiplier, beside central's;
dr_price.csv, claims_dr_price.md, fig_dr_price.png."""
import argparse
import csv
import os
import sys
from collections import defaultdict

import matplotlib
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from analyze import read_manifest  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

KEYS = ("avg_slack_ratio", "violation_ratio", "fulfilled", "energy_cost", "lambda_mean", "reward")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    runs = defaultdict(list)
    for r in read_manifest(a.manifest):
        if r["status"] == "ok":
            runs[(r["policy"], int(r["N"]), r["mode"], int(r["k"]))].append(r["res"])
    rows = []
    for (pol, n, mode, k), rs in sorted(runs.items(), key=lambda x: (x[0][0], x[0][2] != "central",
                                                                     x[0][2], x[0][3])):
        rows.append({"policy": pol, "n_agents": n, "mode": mode, "k": k, "seeds": len(rs),
                     **{key: float(np.mean([x[key] for x in rs])) for key in KEYS},
                     "slack_sd": float(np.std([x["avg_slack_ratio"] for x in rs]))})
    with open(f"{a.out}/dr_price.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = ["## A price-setting aggregator that sees k of N households (dual.mode = sampled)", "",
             "Mean over seeds; slack = mean over steps of (sum_i g_i - C) / C (negative: under "
             "capacity); over = share of steps above capacity; cost and reward per agent per step.",
             "", "| households | N | rule | k | slack (% of C) | over capacity | demand served | "
             "energy cost | mean lambda | reward |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['policy']} | {r['n_agents']} | {r['mode']} | {r['k'] or ''} | "
                     f"{100 * r['avg_slack_ratio']:+.3f} ± {100 * r['slack_sd']:.3f} | "
                     f"{100 * r['violation_ratio']:.1f}% | {100 * r['fulfilled']:.3f}% | "
                     f"{r['energy_cost']:.4f} | {r['lambda_mean']:.4f} | {r['reward']:.4f} |")
    open(f"{a.out}/claims_dr_price.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    pols = sorted({r["policy"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for c, pol in enumerate(pols):
        sub = [r for r in rows if r["policy"] == pol]
        s = [r for r in sub if r["mode"] == "sampled"]
        n = sub[0]["n_agents"]
        for ax, key, lab in ((axes[0], "avg_slack_ratio", "slack (% of C)"),
                             (axes[1], "violation_ratio", "steps over capacity (%)")):
            ax.semilogx([r["k"] for r in s], [100 * r[key] for r in s], "o-", color=f"C{c}",
                        label=f"sampled, {pol}, N = {n}")
            for mode, ls in (("central", "--"), ("consensus", ":")):
                m = [r for r in sub if r["mode"] == mode]
                if m:
                    ax.axhline(100 * m[0][key], color=f"C{c}", ls=ls, lw=1,
                               label=f"{mode}, {pol}")
            ax.set_xlabel("k (households the aggregator samples)")
            ax.set_ylabel(lab)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_dr_price.png", dpi=150)


if __name__ == "__main__":
    main()
