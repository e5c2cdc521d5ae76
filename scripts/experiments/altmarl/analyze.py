#!/usr/bin/env python3
"""Seed 002's tabular results (issue 22) from reward_vs_k.csv and
runtime_vs_k.csv (scripts/experiments/altmarl/sweep.sh): per (n, k) the mean
and standard deviation (ddof 0, the public code's) over the 15 evaluation
seeds beside the public code's published figure (figures/reward_vs_k.png and
runtime_vs_k.png of emiletimothy/alternating-marl at 1190c22, read off its
pixels: +-0.02 in reward, +-0.1 s), the O(1/sqrt k) claim as the log-log
slope of the gap to k = 50 over k = 1..25, n = 10^6 against n = 1000;
claims.md, fig_reward_vs_k.png, fig_runtime_vs_k.png."""
import argparse
import csv
import math
from collections import defaultdict

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# k: (mean, error bar = std over 15 seeds, training seconds) read off the
# public figures
PUBLISHED = {
    1: (83.28, 0.54, 0.2), 2: (84.94, 0.85, 0.2), 3: (84.94, 0.96, 0.7), 4: (86.09, 0.71, 0.1),
    5: (85.85, 0.84, 0.3), 6: (86.50, 0.86, 0.3), 7: (86.89, 1.01, 0.2), 8: (87.06, 1.16, 0.3),
    9: (87.41, 1.14, 0.3), 10: (87.76, 0.90, 0.1), 11: (87.84, 1.13, 0.5), 12: (88.08, 0.75, 0.3),
    13: (88.80, 0.91, 0.5), 14: (88.56, 1.13, 1.7), 15: (88.93, 0.90, 0.3), 16: (89.08, 0.91, 0.9),
    17: (89.16, 0.91, 1.4), 18: (89.92, 0.97, 1.3), 19: (89.95, 1.04, 2.0), 20: (90.14, 0.59, 2.0),
    21: (89.90, 0.99, 1.9), 22: (90.06, 0.72, 2.2), 23: (90.53, 1.01, 3.7), 24: (90.60, 0.72, 1.6),
    25: (90.64, 0.85, 4.7), 26: (90.99, 1.24, 6.1), 27: (91.12, 1.24, 4.5), 28: (91.64, 0.63, 5.0),
    29: (91.35, 0.94, 8.9), 30: (91.33, 1.42, 9.9), 31: (91.35, 0.98, 6.1), 32: (91.38, 0.91, 7.1),
    33: (92.28, 1.17, 14.0), 34: (92.03, 0.68, 12.0), 35: (91.48, 1.01, 10.4),
    36: (91.31, 1.10, 14.2), 37: (92.24, 1.20, 8.3), 38: (91.51, 0.72, 14.6),
    39: (91.79, 0.61, 25.3), 40: (92.74, 1.10, 16.4), 41: (92.29, 0.84, 17.9),
    42: (92.44, 0.61, 32.8), 43: (93.54, 1.16, 21.5), 44: (92.78, 0.70, 23.4),
    45: (93.54, 0.87, 25.5), 46: (94.75, 1.40, 28.3), 47: (92.48, 0.88, 40.4),
    48: (93.32, 0.91, 43.9), 49: (92.98, 1.22, 24.3), 50: (93.07, 0.75, 67.8)}


def slope(ks, gaps):
    x, y = np.log(ks), np.log(gaps)
    return float(np.polyfit(x, y, 1)[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    vals = defaultdict(list)
    for r in csv.DictReader(open(f"{a.out}/reward_vs_k.csv")):
        if r["env"] == "robots":  # the continuous task's rows: analyze_fa.py
            vals[(int(r["n_agents"]), int(r["k"]))].append(float(r["reward"]))
    rt = {(int(r["n_agents"]), int(r["k"])): r for r in csv.DictReader(open(f"{a.out}/runtime_vs_k.csv"))}
    stat = {key: (float(np.mean(v)), float(np.std(v))) for key, v in vals.items()}
    ks = sorted(k for n, k in stat if n == 1000)
    inside = [k for k in ks if k in PUBLISHED and abs(stat[(1000, k)][0] - PUBLISHED[k][0]) <= PUBLISHED[k][1]]
    both = [k for k in ks if k in PUBLISHED and abs(stat[(1000, k)][0] - PUBLISHED[k][0])
            <= PUBLISHED[k][1] + stat[(1000, k)][1]]
    lines = ["## Reward against k (n = 1000, the public protocol)", "",
             f"Within the public figure's error bar: {len(inside)} of {len(ks)} k "
             f"(outside: {', '.join(str(k) for k in ks if k not in inside) or 'none'}); within "
             f"the two error bars together: {len(both)} of {len(ks)}.", "",
             "| k | samarl | public figure | samarl train s | public train s | rounds |",
             "|---|---|---|---|---|---|"]
    for k in ks:
        m, s = stat[(1000, k)]
        p = PUBLISHED.get(k)
        r = rt.get((1000, k), {})
        lines.append(f"| {k} | {m:.2f} ± {s:.2f} | " + (f"{p[0]:.2f} ± {p[1]:.2f}" if p else "") +
                     f" | {float(r.get('train_s', 'nan')):.3f} | " + (f"{p[2]:.1f}" if p else "") +
                     f" | {r.get('rounds', '')} |")
    # the O(1/sqrt k) claim: gap to k = 50 over k = 1..25
    lines += ["", "## The gap to k = 50 (the O(1/sqrt k) claim)", ""]
    for name, get in (("samarl", lambda k: stat[(1000, k)][0]), ("public figure", lambda k: PUBLISHED[k][0])):
        try:
            top = get(50)
            kk = [k for k in range(1, 26) if top - get(k) > 0]
            sl = slope(kk, [top - get(k) for k in kk])
            lines.append(f"- {name}: R(50) = {top:.2f}, log-log slope of R(50) - R(k) over k = 1..25: "
                         f"**{sl:.3f}** ({'inside' if -0.8 <= sl <= -0.3 else 'outside'} [-0.8, -0.3])")
        except KeyError:
            pass
    # n = 10^6 against n = 1000
    big = sorted(k for n, k in stat if n == 1000000)
    if big:
        lines += ["", "## n = 10^6 against n = 1000", "",
                  "| k | n = 1000 | n = 10^6 | difference | within n = 1000's error bar | "
                  "agent-steps/s (n = 10^6) | bytes reduced per step |", "|---|---|---|---|---|---|---|"]
        for k in big:
            m1, s1 = stat[(1000, k)]
            m2, s2 = stat[(1000000, k)]
            r = rt[(1000000, k)]
            lines.append(f"| {k} | {m1:.2f} ± {s1:.2f} | {m2:.2f} ± {s2:.2f} | {m2 - m1:+.2f} | "
                         f"{'yes' if abs(m2 - m1) <= s1 else 'no'} | "
                         f"{float(r['agent_steps_per_s']):.3g} | {r['bytes_per_step']} |")
    # the alternation run 10 rounds without the stopping rule
    long = defaultdict(list)
    try:
        for r in csv.DictReader(open(f"{a.out}/reward_vs_k_10rounds.csv")):
            long[int(r["k"])].append(float(r["reward"]))
    except FileNotFoundError:
        pass
    if long:
        lines += ["", "## 10 rounds, no stopping rule (n = 1000)", "",
                  "| k | the public code's rules (<= 5 rounds) | 10 rounds, no stop | public figure |",
                  "|---|---|---|---|"]
        for k in sorted(long):
            m1, s1 = stat[(1000, k)]
            lines.append(f"| {k} | {m1:.2f} ± {s1:.2f} | {np.mean(long[k]):.2f} ± {np.std(long[k]):.2f} | "
                         + (f"{PUBLISHED[k][0]:.2f} ± {PUBLISHED[k][1]:.2f}" if k in PUBLISHED else "") + " |")
    open(f"{a.out}/claims.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    pk = sorted(PUBLISHED)
    ax.errorbar(pk, [PUBLISHED[k][0] for k in pk], yerr=[PUBLISHED[k][1] for k in pk], fmt="o",
                ms=3, capsize=2, color="0.6", label="public code (its figure)")
    ax.errorbar(ks, [stat[(1000, k)][0] for k in ks], yerr=[stat[(1000, k)][1] for k in ks],
                fmt="o", ms=3, capsize=2, color="C0", label="samarl, n = 1000")
    if big:
        ax.errorbar([k + 0.3 for k in big], [stat[(1000000, k)][0] for k in big],
                    yerr=[stat[(1000000, k)][1] for k in big], fmt="s", ms=4, capsize=2,
                    color="C3", label="samarl, n = 10^6")
    if long:
        lk = sorted(long)
        ax.errorbar([k - 0.3 for k in lk], [np.mean(long[k]) for k in lk],
                    yerr=[np.std(long[k]) for k in lk], fmt="^", ms=4, capsize=2, color="C2",
                    label="samarl, 10 rounds, no stopping rule")
    ax.set_xlabel("k (local agents the dispatcher samples)")
    ax.set_ylabel("cumulative discounted reward")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_reward_vs_k.png", dpi=150)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.semilogy(pk, [PUBLISHED[k][2] for k in pk], "o", ms=3, color="0.6",
                label="public code (its figure; its machine)")
    ax.semilogy(ks, [float(rt[(1000, k)]["train_s"]) for k in ks], "o", ms=3, color="C0",
                label="samarl, 2 ranks")
    ax.set_xlabel("k")
    ax.set_ylabel("training seconds (the whole alternation)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_runtime_vs_k.png", dpi=150)


if __name__ == "__main__":
    main()
