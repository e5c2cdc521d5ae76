#!/usr/bin/env python3
"""Lying agents in the consensus on lambda (scripts/experiments/faults_byzantine.sh, its manifest):
per run the honest agents' final prices against the fault-free run's range
(on the grid also among the agents whose neighbourhood is mostly honest),
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


def liar_majority(net, liar):
    """Agents of a square grid2d torus (gid = row x side + column) with more
    lying neighbours than honest values in their neighbourhood (their own
    included): 3 or 4 of 4. None for other graphs (run.h5 has no edges)."""
    side = int(round(np.sqrt(liar.size)))
    if net != "grid2d" or side * side != liar.size:
        return None
    l = liar.reshape(side, side).astype(int)
    nb = np.roll(l, 1, 0) + np.roll(l, -1, 0) + np.roll(l, 1, 1) + np.roll(l, -1, 1)
    return (nb >= 3).ravel()


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
        maj = liar_majority(m["net"], liar)
        runs[(m["net"], m["p"], m.get("mode", "constant"), m["rule"], int(m["seed"]))] = dict(
            liars=int(liar.sum()), n=int(lam.size), slack=float(r["avg_slack_ratio"]),
            served=float(r["fulfilled"]), honest=lam[~liar], cost=float(r["energy_cost"]),
            minority=None if maj is None else ~maj[~liar])
    order = {"none": 0, "constant": 1, "sign-flip": 2, "noise": 3}
    rows = []
    for (g, p, mode, rule, seed), r in sorted(runs.items(), key=lambda kv: (
            kv[0][0], float(kv[0][1]), order.get(kv[0][2], 9), kv[0][3], kv[0][4])):
        c0 = runs.get((g, "0", "none", "mean", seed))  # the fault-free run
        c = runs.get((g, "0", "none", rule, seed), c0)  # ... under the same rule
        if c0 is None:
            continue
        lo, hi = c["honest"].min(), c["honest"].max()
        h = r["honest"]
        ins = (h >= lo - 1e-6) & (h <= hi + 1e-6)
        inside = float(np.mean(ins))
        inside_min = float(np.mean(ins[r["minority"]])) if r["minority"] is not None else float("nan")
        dragged = float(np.mean(h > 2 * hi))
        rows.append(dict(graph=g, byzantine=p, mode=mode, rule="none" if p == "0" and rule == "mean" else rule,
                         seed=seed, liars=r["liars"], agents=r["n"],
                         honest_lambda_min=float(h.min()), honest_lambda_max=float(h.max()),
                         honest_lambda_mean=float(h.mean()), inside_clean_range=inside,
                         liar_majority_agents=-1 if r["minority"] is None else int((~r["minority"]).sum()),
                         inside_where_liars_minority=inside_min, dragged=dragged,
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
         "liars send 10 $/kWh (constant), minus their price (sign-flip) or their price plus 10 z (noise). "
         "'inside' = share of honest agents whose final price lies in the "
         "fault-free run's final range (same rule); on the grid also among the honest agents with at most 2 "
         "lying neighbours of 4 (the others, in brackets, have a lying majority in their neighbourhood); "
         "dragged = share priced above twice its maximum; slack gap = mean slack minus the fault-free run's under the same rule, % of C (in brackets: minus the plain mean's fault-free run).", "",
         "| graph | liars | mode | rule | honest price: min / mean / max ($/kWh) | inside | inside, liar minority (majority agents) | dragged | slack gap (% of C) | served |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mi = ("-" if r["liar_majority_agents"] < 0 else
              f"{100 * r['inside_where_liars_minority']:.2f}% ({r['liar_majority_agents']})")
        L.append(f"| {r['graph']} | {r['byzantine']} ({r['liars']}) | {r['mode']} | {r['rule']} | {r['honest_lambda_min']:.3f} / "
                 f"{r['honest_lambda_mean']:.3f} / {r['honest_lambda_max']:.3f} | {100 * r['inside_clean_range']:.2f}% | {mi} | {100 * r['dragged']:.2f}% | "
                 f"{r['slack_gap_pct_C']:+.2f} ({r['slack_gap_vs_mean_pct_C']:+.2f}) | {100 * r['served']:.2f}% |")
    open(f"{a.out}/byzantine.md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    fig, ax = plt.subplots(3, 2, figsize=(10, 9.6), sharex=True)
    marks = {"mean": ("o-", "C0"), "trimmed:2": ("s-", "C1"), "trimmed:4": ("D-", "C2"),
             "median": ("^-", "C3"), "mtm:3": ("<-", "C4"), "mtm:10": ("v-", "C5")}
    panels = (("constant", "dragged", "honest prices > 2x fault-free max (%)", "liars send 10 $/kWh"),
              ("constant", "slack_gap_pct_C", "slack gap to fault-free (% of C)", "liars send 10 $/kWh"),
              ("sign-flip", "slack_gap_pct_C", "slack gap to fault-free (% of C)", "liars send minus their price"))
    for k, g in enumerate(("rgg", "grid2d")):
        for row, (mode, key, ylabel, what) in enumerate(panels):
            for rule, (mk, colour) in marks.items():
                rs = sorted((r for r in rows if r["graph"] == g and r["rule"] == rule and r["mode"] == mode),
                            key=lambda r: float(r["byzantine"]))
                if rs:
                    ax[row, k].plot([100 * float(r["byzantine"]) for r in rs],
                                    [(100 if key == "dragged" else 1) * r[key] for r in rs], mk, color=colour, label=rule)
            ax[row, k].set_title(f"{g}, N = 10^4, {what}", fontsize=10)
            ax[row, k].set_ylabel(ylabel, fontsize=9)
            if key == "dragged":
                ax[row, k].set_ylim(-3, 103)
                ax[row, k].legend(fontsize=7)
            else:
                ax[row, k].axhspan(-2, 2, color="0.9", zorder=0)
                ax[row, k].set_ylim(-27, 46)
        ax[2, k].set_xlabel("lying agents (%)")
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_byzantine.png", dpi=150)


if __name__ == "__main__":
    main()
