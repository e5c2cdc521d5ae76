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

import h5py
import matplotlib
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from analyze import read_manifest  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

KEYS = ("avg_slack_ratio", "violation_ratio", "fulfilled", "energy_cost", "lambda_mean", "reward",
        "slack_rms", "overdraw_mean", "overdraw_max", "lambda_gap_rms")


def series(path):
    """Per step: (total usage - C) / C, and the mean multiplier."""
    with h5py.File(path, "r") as f:
        s = f["series"]
        return (s["total_usage"][...] - s["capacity"][...]) / s["capacity"][...], s["lambda_mean"][...]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    runs = defaultdict(list)
    ok = [r for r in read_manifest(a.manifest) if r["status"] == "ok"]
    central = {(r["policy"], r["seed"]): series(r["h5"])[1] for r in ok if r["mode"] == "central"}
    for r in ok:
        sl, lam = series(r["h5"])
        res = dict(r["res"], slack_rms=float(np.sqrt(np.mean(sl ** 2))),
                   overdraw_mean=float(np.mean(np.maximum(sl, 0))), overdraw_max=float(sl.max()),
                   lambda_gap_rms=float(np.sqrt(np.mean((lam - central[(r["policy"], r["seed"])]) ** 2))))
        runs[(r["policy"], int(r["N"]), r["mode"], int(r["k"]))].append(res)
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
             "Mean over 3 seeds. Per step the slack is (sum_i g_i - C) / C: its mean (± the "
             "seeds' sd), its RMS, the mean and largest overdraw (its positive part); the "
             "share of steps over capacity; the RMS gap of the price to central's on the same "
             "seed; served demand, energy cost and reward per agent per step.",
             "", "| households | N | rule | k | slack mean (% of C) | slack RMS | overdraw mean | "
             "overdraw max | steps over | price gap RMS ($/kWh) | served | energy cost | reward |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['policy']} | {r['n_agents']} | {r['mode']} | {r['k'] or ''} | "
                     f"{100 * r['avg_slack_ratio']:+.3f} ± {100 * r['slack_sd']:.3f} | "
                     f"{100 * r['slack_rms']:.2f}% | {100 * r['overdraw_mean']:.2f}% | "
                     f"{100 * r['overdraw_max']:.1f}% | {100 * r['violation_ratio']:.1f}% | "
                     f"{r['lambda_gap_rms']:.4f} | {100 * r['fulfilled']:.3f}% | "
                     f"{r['energy_cost']:.4f} | {r['reward']:.4f} |")
    lines += ["", "## The price's gap to the oracle against k", ""]
    for pol in sorted({r["policy"] for r in rows}):
        s = [r for r in rows if r["policy"] == pol and r["mode"] == "sampled" and r["k"] < r["n_agents"]]
        if len(s) >= 2:
            sl = float(np.polyfit(np.log([r["k"] for r in s]), np.log([r["lambda_gap_rms"] for r in s]), 1)[0])
            lines.append(f"- {pol}, N = {s[0]['n_agents']}: RMS gap of the price to central's "
                         + ", ".join(f"k={r['k']}: {r['lambda_gap_rms']:.4f}" for r in s)
                         + f" $/kWh; log-log slope **{sl:.2f}** (1/sqrt k: -0.5)")
    open(f"{a.out}/claims_dr_price.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    pols = sorted({r["policy"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for c, pol in enumerate(pols):
        sub = [r for r in rows if r["policy"] == pol]
        s = [r for r in sub if r["mode"] == "sampled"]
        n = sub[0]["n_agents"]
        for ax, key, lab in ((axes[0], "lambda_gap_rms", "RMS gap of the price to central's ($/kWh)"),
                             (axes[1], "slack_sd", "seeds' sd of the mean slack (% of C)")):
            scale = 1 if key == "lambda_gap_rms" else 100
            s = [r for r in s if r[key] > 0]
            ax.loglog([r["k"] for r in s], [scale * r[key] for r in s], "o-", color=f"C{c}",
                        label=f"sampled, {pol}, N = {n}")
            m = [r for r in sub if r["mode"] == "consensus"]
            if m and m[0][key] > 0:
                ax.axhline(scale * m[0][key], color=f"C{c}", ls=":", lw=1,
                           label=f"consensus, {pol}")
            ax.set_xlabel("k (households the aggregator samples)")
            ax.set_ylabel(lab)
    ks = np.array([1, 10000])
    axes[0].loglog(ks, 0.05 / np.sqrt(ks), color="0.6", lw=1, ls="--", label="1 / sqrt k")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_dr_price.png", dpi=150)


if __name__ == "__main__":
    main()
