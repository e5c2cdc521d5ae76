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
        base = runs[("lossless-ratio" if lm.endswith("ratio") else "lossless", 0.0, 0.0, seed)]
        rows.append(dict(link_mode=lm, link_drop=p, agent_dropout=q, seed=seed,
                         dual_mode="tracking-ratio" if lm.endswith("ratio") else "tracking",
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
         "case2383wp with its bus loads, K = 5, 28 days; dual.mode = tracking with faults.link_mode = "
         "message or link, and dual.mode = tracking-ratio (push-sum with running sums) under one-way lost "
         "messages (link_mode = message); slack gap = mean slack minus the lossless run's (same seed, "
         "same rule), % of C; mean (worst) over the seeds; slack = the run's own mean slack, % of C.", "",
         "| dual.mode | link_mode | link_drop | agent_dropout | slack, mean, % of C | slack gap, mean (worst), % of C | served, worst |",
         "|---|---|---|---|---|---|---|"]
    order = {"lossless": 0, "lossless-ratio": 1, "message": 2, "link": 3, "ratio": 4}
    for (lm, p, q), rs in sorted(g.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0])):
        gaps = np.array([r["slack_gap_pct_C"] for r in rs])
        slack = np.mean([r["slack_pct_C"] for r in rs])
        L.append(f"| {rs[0]['dual_mode']} | {'message' if lm.endswith('ratio') else lm} | {p:g} | {q:g} | {slack:+.3f} | "
                 f"{gaps.mean():+.3f} ({gaps[np.argmax(np.abs(gaps))]:+.3f}) | "
                 f"{100 * min(r['served'] for r in rs):.3f}% |")
    open(f"{a.out}/tracking.md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for lm, mk, lab in (("message", "o-", "tracking, renormalised messages"),
                        ("link", "s-", "tracking, lost links (link_mode = link)"),
                        ("ratio", "^-", "tracking-ratio, lost messages")):
        ps = sorted({p for (l, p, q) in g if l == lm and q == 0})
        worst = [max(abs(r["slack_gap_pct_C"]) for r in g[(lm, p, 0.0)]) for p in ps]
        ax.plot(ps, worst, mk, label=lab)
    ax.axhline(1, color="grey", ls=":", label="1% of C")
    ax.set_yscale("log")
    ax.set_xlabel("faults.link_drop")
    ax.set_ylabel("|slack - lossless slack|, worst seed (% of C)")
    ax.set_title("gradient tracking on case2383wp")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_tracking.png", dpi=150)


if __name__ == "__main__":
    main()
