#!/usr/bin/env python3
"""Lying agents in the consensus on lambda (scripts/experiments/faults_byzantine.sh, its manifest):
per run the honest agents' final prices against the fault-free run's range,
the mean slack as a share of C against the fault-free run's, served demand;
byzantine.csv, byzantine.md and fig_byzantine.png."""
import argparse
import csv
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analyze import read_manifest  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", default="results/faults")
    a = ap.parse_args()
    runs = {}
    for m in read_manifest(a.manifest):
        if m["status"] != "ok":
            print("skipping failed run", m["id"])
            continue
        r = m["res"]
        f = h5py.File(m["h5"], "r")
        lam = f["traj/lambda"][-1]
        liar = f["graph/byzantine"][...].astype(bool) if "graph/byzantine" in f else np.zeros(lam.shape, bool)
        runs[(m["net"], m["p"], m["rule"], int(m["seed"]))] = dict(
            liars=int(liar.sum()), n=int(lam.size), slack=float(r["avg_slack_ratio"]),
            served=float(r["fulfilled"]), honest=lam[~liar], cost=float(r["energy_cost"]))
    rows = []
    for (g, p, rule, seed), r in sorted(runs.items(), key=lambda kv: (kv[0][0], float(kv[0][1]), kv[0][2], kv[0][3])):
        c0 = runs.get((g, "0", "mean", seed))  # the fault-free run
        c = runs.get((g, "0", rule, seed), c0)  # ... under the same rule
        if c0 is None:
            continue
        lo, hi = c["honest"].min(), c["honest"].max()
        h = r["honest"]
        inside = float(np.mean((h >= lo - 1e-6) & (h <= hi + 1e-6)))
        dragged = float(np.mean(h > 2 * hi))
        rows.append(dict(graph=g, byzantine=p, rule="none" if p == "0" and rule == "mean" else rule,
                         seed=seed, liars=r["liars"], agents=r["n"],
                         honest_lambda_min=float(h.min()), honest_lambda_max=float(h.max()),
                         honest_lambda_mean=float(h.mean()), inside_clean_range=inside, dragged=dragged,
                         clean_lambda_min=float(lo), clean_lambda_max=float(hi),
                         slack_pct_C=100 * r["slack"], slack_gap_pct_C=100 * (r["slack"] - c["slack"]),
                         slack_gap_vs_mean_pct_C=100 * (r["slack"] - c0["slack"]),
                         served=r["served"], energy_cost=r["cost"]))
    keys = list(rows[0].keys())
    with open(f"{a.out}/byzantine.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, keys)
        w.writeheader()
        w.writerows(rows)
    L = ["# Lying agents in the consensus on lambda (faults_byzantine.sh)", "",
         "Best-response households, N = 10^4, 28 days, dual.mode = consensus (5 rounds per step); "
         "liars send 10 $/kWh. 'inside' = share of honest agents whose final price lies in the "
         "fault-free run's final range (same rule); dragged = share priced above twice its maximum; slack gap = mean slack minus the fault-free run's under the same rule, % of C (in brackets: minus the plain mean's fault-free run).", "",
         "| graph | liars | rule | honest price: min / mean / max ($/kWh) | inside | dragged | slack gap (% of C) | served |",
         "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['graph']} | {r['byzantine']} ({r['liars']}) | {r['rule']} | {r['honest_lambda_min']:.3f} / "
                 f"{r['honest_lambda_mean']:.3f} / {r['honest_lambda_max']:.3f} | {100 * r['inside_clean_range']:.2f}% | {100 * r['dragged']:.2f}% | "
                 f"{r['slack_gap_pct_C']:+.2f} ({r['slack_gap_vs_mean_pct_C']:+.2f}) | {100 * r['served']:.2f}% |")
    open(f"{a.out}/byzantine.md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    for k, g in enumerate(("rgg", "grid2d")):
        for rule, mk in (("mean", "o-"), ("trimmed:2", "s-"), ("median", "^-")):
            rs = sorted((r for r in rows if r["graph"] == g and r["rule"] == rule), key=lambda r: float(r["byzantine"]))
            if rs:
                ax[k].plot([100 * float(r["byzantine"]) for r in rs],
                           [100 * r["dragged"] for r in rs], mk, label=rule)
        ax[k].set_title(f"{g}, N = 10^4")
        ax[k].set_xlabel("lying agents (%)")
        ax[k].set_ylabel("honest prices > 2x fault-free max (%)")
        ax[k].set_ylim(-3, 103)
        ax[k].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_byzantine.png", dpi=150)


if __name__ == "__main__":
    main()
