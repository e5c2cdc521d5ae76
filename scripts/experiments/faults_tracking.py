#!/usr/bin/env python3
"""Tracking under lost links (scripts/experiments/faults_tracking.sh, its manifest): per
run the mean slack as a share of C and its gap to the lossless run of the
same seed, demand served; tracking.csv, tracking.md, fig_tracking.png."""
import argparse
import csv
import os
import sys
from collections import defaultdict

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
        if m["status"] == "ok":
            runs[(m["mode"], float(m["p"]), float(m["q"]), int(m["seed"]))] = m["res"]
    rows = []
    for (lm, p, q, seed), r in sorted(runs.items()):
        base = runs[("lossless", 0.0, 0.0, seed)]
        rows.append(dict(link_mode=lm, link_drop=p, agent_dropout=q, seed=seed,
                         slack_pct_C=100 * r["avg_slack_ratio"],
                         slack_gap_pct_C=100 * (r["avg_slack_ratio"] - base["avg_slack_ratio"]),
                         violation_pct=100 * r["violation_ratio"], served=r["fulfilled"],
                         energy_cost=r["energy_cost"]))
    with open(f"{a.out}/tracking.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    g = defaultdict(list)
    for r in rows:
        g[(r["link_mode"], r["link_drop"], r["agent_dropout"])].append(r)
    L = ["# Tracking under lost links and silent agents (faults_tracking.sh)", "",
         "case2383wp with its bus loads, dual.mode = tracking, K = 5, 28 days; slack gap = mean "
         "slack minus the lossless run's (same seed), % of C; mean (worst) over the seeds.", "",
         "| link_mode | link_drop | agent_dropout | slack gap, mean (worst), % of C | served, worst |",
         "|---|---|---|---|---|"]
    for (lm, p, q), rs in sorted(g.items(), key=lambda kv: (kv[0][0] != "lossless", kv[0])):
        gaps = np.array([r["slack_gap_pct_C"] for r in rs])
        L.append(f"| {lm} | {p:g} | {q:g} | {gaps.mean():+.3f} ({gaps[np.argmax(np.abs(gaps))]:+.3f}) | "
                 f"{100 * min(r['served'] for r in rs):.3f}% |")
    open(f"{a.out}/tracking.md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for lm, mk in (("message", "o-"), ("link", "s-")):
        ps = sorted({p for (l, p, q) in g if l == lm and q == 0})
        worst = [max(abs(r["slack_gap_pct_C"]) for r in g[(lm, p, 0.0)]) for p in ps]
        ax.plot(ps, worst, mk, label=f"link_mode = {lm}")
    ax.axhline(1, color="grey", ls=":", label="1% of C")
    ax.set_yscale("log")
    ax.set_xlabel("faults.link_drop")
    ax.set_ylabel("|slack - lossless slack|, worst seed (% of C)")
    ax.set_title("tracking on case2383wp")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_tracking.png", dpi=150)


if __name__ == "__main__":
    main()
