#!/usr/bin/env python3
"""Seed 002's continuous results (issue 22) from reward_vs_k.csv (env
warehouse rows), mode_accuracy_vs_k.csv and runtime_vs_k_continuous.csv
(scripts/experiments/altmarl/sweep_fa.sh): per k the mean and standard
deviation (ddof 0, the public code's) over the 10 evaluation seeds beside
the public code's published TRPO numbers (the values its
uniform_baseline.py plots, and its README's table; the mode accuracy read
off figures/mode_accuracy_vs_k_continuous_trpo.png at 1190c22, +-1 point);
claims_continuous.md, fig_reward_vs_k_continuous.png,
fig_mode_accuracy_vs_k.png."""
import argparse
import csv
import re
from collections import defaultdict

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# scripts/function_approximation/uniform_baseline.py (the TRPO sweep's values)
PUBLISHED = {1: (127.83, 4.21), 3: (133.43, 6.21), 5: (133.63, 5.92), 10: (135.50, 9.78),
             20: (140.24, 6.88), 35: (145.38, 4.46), 50: (151.33, 3.83), 75: (152.03, 5.69)}
# figures/mode_accuracy_vs_k_continuous_trpo.png, read off (percent, error bar)
ACCURACY = {1: (54.0, 2.0), 3: (56.0, 3.0), 5: (55.0, 2.0), 10: (60.8, 1.0), 20: (66.0, 0.8),
            35: (75.1, 1.8), 50: (75.9, 0.6), 75: (81.6, 1.0)}
# the public README's table
RANDOM = (37.8, 10.9)
RANDOM_DISPATCHER = (46.6, 0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    vals = defaultdict(list)
    for r in csv.DictReader(open(f"{a.out}/reward_vs_k.csv")):
        if r["env"] == "warehouse":
            vals[int(r["k"])].append(float(r["reward"]))
    acc, rnd_mean = {}, None
    for r in csv.DictReader(open(f"{a.out}/mode_accuracy_vs_k.csv")):
        if r["k"] == "random":
            rnd_mean = float(r["random_dispatcher_reward"])
        else:
            acc[int(r["k"])] = r
    rt = defaultdict(list)
    rnd_sd = None
    for line in open(f"{a.out}/runtime_vs_k_continuous.csv"):
        m = re.match(r"# random baseline: ([-0-9.]+) \+- ([0-9.]+)", line)
        if m:
            rnd_mean, rnd_sd = float(m.group(1)), float(m.group(2))
        elif not line.startswith(("#", "env")):
            f = line.split(",")
            rt[int(f[2])].append(float(f[5]))
    ks = sorted(vals)
    stat = {k: (float(np.mean(vals[k])), float(np.std(vals[k]))) for k in ks}
    n = next(r["n_agents"] for r in acc.values())

    def verdict(m, s, p):
        d = m - p[0]
        return f"{d:+.2f} ({abs(d) / p[1]:.2f} public sd; {'within' if abs(d) <= 2 * p[1] else 'outside'} 2 sd)"

    rd = [float(acc[k]["random_dispatcher_reward"]) for k in ks]
    lines = [f"## The public README's table (n = {n}, its protocol)", "",
             "| | samarl | public | difference |", "|---|---|---|---|",
             f"| random actions (a_g, a_l uniform; mean ± std over 300 rollouts) | "
             f"{rnd_mean:.2f} ± {rnd_sd:.2f} | {RANDOM[0]} ± {RANDOM[1]} | "
             f"{verdict(rnd_mean, rnd_sd, RANDOM)} |",
             f"| random dispatcher + trained robots (over the {len(ks)} k's trained robots) | "
             f"{np.mean(rd):.2f} ± {np.std(rd):.2f} | {RANDOM_DISPATCHER[0]} ± {RANDOM_DISPATCHER[1]} | "
             f"{np.mean(rd) - RANDOM_DISPATCHER[0]:+.2f} |"]
    for k in (1, 75):
        if k in stat:
            m, s = stat[k]
            lines.append(f"| TRPO at k = {k} | {m:.2f} ± {s:.2f} | {PUBLISHED[k][0]} ± {PUBLISHED[k][1]} "
                         f"| {verdict(m, s, PUBLISHED[k])} |")
    for k in (1, 75):
        if k in acc:
            lines.append(f"| mode accuracy at k = {k} (1000 starts, seed 99) | "
                         f"{100 * float(acc[k]['accuracy_1000']):.1f}% | {ACCURACY[k][0]:.0f}% "
                         f"(README: {54 if k == 1 else 81}%) | "
                         f"{100 * float(acc[k]['accuracy_1000']) - ACCURACY[k][0]:+.1f} points |")
    lines += ["", "## Reward and mode accuracy against k", "",
              "| k | samarl reward | public reward | difference | samarl mode accuracy (5 x 500) | "
              "public (figure) | random dispatcher | train s per run (2 ranks) |",
              "|---|---|---|---|---|---|---|---|"]
    for k in ks:
        m, s = stat[k]
        p = PUBLISHED.get(k)
        q = ACCURACY.get(k)
        r = acc[k]
        lines.append(f"| {k} | {m:.2f} ± {s:.2f} | " + (f"{p[0]:.2f} ± {p[1]:.2f}" if p else "") + " | "
                     + (verdict(m, s, p) if p else "") +
                     f" | {100 * float(r['accuracy_mean_5x500']):.1f} ± {100 * float(r['accuracy_std_5x500']):.1f}% | "
                     + (f"{q[0]:.1f} ± {q[1]:.1f}%" if q else "") +
                     f" | {float(r['random_dispatcher_reward']):.2f} | {np.mean(rt[k]):.1f} |")
    inside = [k for k in ks if k in PUBLISHED and abs(stat[k][0] - PUBLISHED[k][0]) <= 2 * PUBLISHED[k][1]]
    common = [k for k in ks if k in PUBLISHED]
    lines += ["", f"Within two public standard deviations: {len(inside)} of the {len(common)} public k."]
    # the O(1/sqrt k) claim in the form: the gap R(50) - R(k) over k <= 25
    lines += ["", "## The gap to k = 50 (the O(1/sqrt k) claim)", ""]
    for name, get in (("samarl", lambda k: stat[k][0]), ("public", lambda k: PUBLISHED[k][0])):
        src = stat if name == "samarl" else PUBLISHED
        kk = [k for k in sorted(src) if k <= 25 and 50 in src and get(50) - get(k) > 0]
        if len(kk) >= 2:
            g = [get(50) - get(k) for k in kk]
            sl = float(np.polyfit(np.log(kk), np.log(g), 1)[0])
            lines.append(f"- {name}: R(50) = {get(50):.2f}, gaps " +
                         ", ".join(f"k={k}: {x:.2f}" for k, x in zip(kk, g)) +
                         f"; log-log slope **{sl:.3f}** "
                         f"({'inside' if -0.8 <= sl <= -0.3 else 'outside'} [-0.8, -0.3])")
    open(f"{a.out}/claims_continuous.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    pk = sorted(PUBLISHED)
    ax.errorbar(pk, [PUBLISHED[k][0] for k in pk], yerr=[PUBLISHED[k][1] for k in pk], fmt="o-",
                ms=4, capsize=3, color="0.6", label="public code, TRPO (its sweep)")
    ax.errorbar(ks, [stat[k][0] for k in ks], yerr=[stat[k][1] for k in ks], fmt="o-", ms=4,
                capsize=3, color="C0", label=f"samarl altmarl-fa, n = {n}")
    ax.axhspan(rnd_mean - rnd_sd, rnd_mean + rnd_sd, color="C3", alpha=0.12)
    ax.axhline(rnd_mean, color="C3", lw=1, label="random actions (± std)")
    ax.plot(ks, rd, "v", color="C1", ms=4, label="random dispatcher, trained robots")
    ax.set_xlabel("k (robots the dispatcher samples)")
    ax.set_ylabel("cumulative discounted reward")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_reward_vs_k_continuous.png", dpi=150)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.errorbar(sorted(ACCURACY), [ACCURACY[k][0] for k in sorted(ACCURACY)],
                yerr=[ACCURACY[k][1] for k in sorted(ACCURACY)], fmt="o-", ms=4, capsize=3,
                color="0.6", label="public code (its figure)")
    ax.errorbar(ks, [100 * float(acc[k]["accuracy_mean_5x500"]) for k in ks],
                yerr=[100 * float(acc[k]["accuracy_std_5x500"]) for k in ks], fmt="o-", ms=4,
                capsize=3, color="C0", label="samarl altmarl-fa")
    ax.axhline(20, color="0.8", ls=":", label="chance (5 bins)")
    ax.set_ylim(0, 105)
    ax.set_xlabel("k")
    ax.set_ylabel("mode-tracking accuracy (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_mode_accuracy_vs_k.png", dpi=150)


if __name__ == "__main__":
    main()
