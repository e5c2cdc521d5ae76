#!/usr/bin/env python3
"""Mean-field MARL on the Ising model (scripts/experiments/meanfield/ising.sh, its
manifest): per 20 x 20 run the order parameter after each iteration of 100
steps, the largest order and the first step at 0.9 (ising.csv); the 10^6-spin
runs (ising_big.csv); seconds per step against N and the log-log slope
(scaling.csv); ising.md, fig_ising.png and fig_scaling.png."""
import argparse
import csv
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from analyze import read_manifest  # noqa: E402

ALGOS = ("mfq", "mfac", "iql")
STYLE = {"mfq": ("tab:blue", "MF-Q"), "mfac": ("tab:orange", "MF-AC"), "iql": ("tab:green", "independent Q")}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", default="results/meanfield")
    a = ap.parse_args()
    small, big, scale = [], [], []
    for m in read_manifest(a.manifest):
        if m["status"] != "ok":
            print("skipping failed run", m["id"])
            continue
        r = m["res"]
        mf = r["mf"]
        with h5py.File(m["h5"], "r") as f:
            order = f["mf/order"][...]
            steps = f["mf"].attrs["steps_done"]
        row = dict(algo=m["algo"], seed=int(m["seed"]), side=int(m["side"]), agents=int(m["side"]) ** 2,
                   steps=int(steps), order_final=float(mf["order"]), order_max=float(mf["order_max"]),
                   order_max_step=int(mf["order_max_step"]), first_order_09_step=int(mf["first_order_09_step"]),
                   reward=float(mf["reward"]), wall_s=float(r["wall_s"]),
                   s_per_step=float(r["wall_s"]) / float(steps), agent_steps_per_s=float(r["agent_steps_per_s"]))
        {"small": small, "big": big, "scale": scale}[m["set"]].append((row, order))
    out = a.out
    with open(f"{out}/ising.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["algo", "seed", "step", "order"])
        for row, order in sorted(small, key=lambda x: (x[0]["algo"], x[0]["seed"])):
            for k, o in enumerate(order):
                w.writerow([row["algo"], row["seed"], 100 * (k + 1), f"{o:.6g}"])
    for name, rows in (("ising_big", big), ("scaling", scale), ("ising_runs", small)):
        if rows:
            with open(f"{out}/{name}.csv", "w", newline="") as fh:
                w = csv.DictWriter(fh, list(rows[0][0].keys()))
                w.writeheader()
                w.writerows(r for r, _ in sorted(rows, key=lambda x: (x[0]["algo"], x[0]["agents"], x[0]["seed"])))
    L = ["# Mean-field MARL on the Ising model (ising.sh)", "",
         "20 x 20 torus, 10^4 steps (the mean-field code's settings: lr 0.1, temperature 1, every agent "
         "learning every step, random start); per algorithm over the seeds: how many reached an order "
         "parameter of 0.9, the first step they did (median over those that did), the largest order, "
         "and the order at the end.", "",
         "| algorithm | seeds | reached 0.9 | first step at 0.9 (median, range) | largest order (median) | final order (median, min-max) |",
         "|---|---|---|---|---|---|"]
    for algo in ALGOS:
        rs = [r for r, _ in small if r["algo"] == algo]
        if not rs:
            continue
        hit = [r["first_order_09_step"] for r in rs if r["first_order_09_step"] >= 0]
        fin = np.array([r["order_final"] for r in rs])
        L.append(f"| {algo} | {len(rs)} | {len(hit)} | "
                 + (f"{int(np.median(hit))} ({min(hit)}-{max(hit)})" if hit else "-")
                 + f" | {np.median([r['order_max'] for r in rs]):.3f} | {np.median(fin):.3f} ({fin.min():.3f}-{fin.max():.3f}) |")
    if big:
        L += ["", "10^6 spins (1000 x 1000) on 2 ranks:", "",
              "| algorithm | steps | order at the end | largest order | s per step | agent-steps/s |",
              "|---|---|---|---|---|---|"]
        for r, _ in sorted(big, key=lambda x: x[0]["algo"]):
            L.append(f"| {r['algo']} | {r['steps']} | {r['order_final']:.4f} | {r['order_max']:.4f} | "
                     f"{r['s_per_step']:.4f} | {r['agent_steps_per_s']:.3g} |")
    slopes = {}
    if scale:
        L += ["", "Seconds per step against N (2 ranks), and the log-log slope over N:", "",
              "| algorithm | " + " | ".join(f"N = {n}" for n in sorted({r['agents'] for r, _ in scale})) + " | slope |",
              "|---|" + "---|" * (len({r['agents'] for r, _ in scale}) + 1)]
        for algo in ALGOS:
            rs = sorted((r for r, _ in scale if r["algo"] == algo), key=lambda r: r["agents"])
            if len(rs) < 2:
                continue
            x, y = np.log([r["agents"] for r in rs]), np.log([r["s_per_step"] for r in rs])
            slopes[algo] = float(np.polyfit(x, y, 1)[0])
            L.append(f"| {algo} | " + " | ".join(f"{r['s_per_step']:.3g}" for r in rs) + f" | {slopes[algo]:.3f} |")
    open(f"{out}/ising.md", "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    fig, ax = plt.subplots(figsize=(6, 4))
    for algo in ALGOS:
        os_ = [o for r, o in small if r["algo"] == algo]
        if not os_:
            continue
        n = min(len(o) for o in os_)
        arr = np.array([o[:n] for o in os_])
        x = 100 * np.arange(1, n + 1)
        c, lab = STYLE[algo]
        ax.plot(x, np.median(arr, 0), color=c, label=f"{lab} (median of {len(os_)})")
        ax.fill_between(x, arr.min(0), arr.max(0), color=c, alpha=0.15)
    ax.axhline(0.9, color="grey", ls=":", lw=1)
    ax.set_xlabel("steps")
    ax.set_ylabel("order parameter |N_up - N_down| / N")
    ax.set_title("Ising 20 x 20: order parameter (band: min-max over seeds)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{out}/fig_ising.png", dpi=150)
    if scale:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for algo in ALGOS:
            rs = sorted((r for r, _ in scale if r["algo"] == algo), key=lambda r: r["agents"])
            if rs:
                c, lab = STYLE[algo]
                ax.loglog([r["agents"] for r in rs], [r["s_per_step"] for r in rs], "o-", color=c,
                          label=f"{lab} (slope {slopes.get(algo, float('nan')):.2f})")
        ax.set_xlabel("spins N")
        ax.set_ylabel("seconds per step (2 ranks)")
        ax.set_title("cost per step against N")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(f"{out}/fig_scaling.png", dpi=150)


if __name__ == "__main__":
    main()
