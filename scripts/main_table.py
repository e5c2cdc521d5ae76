#!/usr/bin/env python3
"""Comparison table of samarl runs (the main job), and a figure.

usage: main_table.py DIR MODE...   reads DIR/run-MODE.json (and .h5 for the plot)
writes DIR/main.csv and, with h5py and matplotlib, DIR/main.png."""
import csv
import json
import os
import sys

LABEL = {
    "none": "none (lambda = 0)",
    "fixed": "fixed lambda = 0.2",
    "local": "local (independent)",
    "central": "central (oracle)",
    "consensus": "consensus (default)",
    "consensus-paper": "consensus-paper (as written)",
    "tracking": "tracking",
    "bestresponse": "consensus, best response",
}


def main():
    d, modes = sys.argv[1], sys.argv[2:]
    rows = []
    for m in modes:
        r = json.load(open(os.path.join(d, f"run-{m}.json")))["results"]
        rows.append((m, r))
    cols = [("avg_slack_ratio", "slack/C", "{:+.4f}"), ("violation_ratio", "over C", "{:.3f}"),
            ("fulfilled", "served", "{:.4f}"), ("postponers", "postponers", "{:.3f}"),
            ("energy_cost", "cost $/h", "{:.4f}"), ("lambda_final_mean", "lambda", "{:.4f}"),
            ("lambda_final_disagreement", "disagree", "{:.4f}")]
    head = f"{'mode':<30}" + "".join(f"{c[1]:>11}" for c in cols)
    print(head)
    print("-" * len(head))
    for m, r in rows:
        vals = "".join(f"{(c[2].format(r[c[0]]) if r[c[0]] is not None else 'n/a'):>11}" for c in cols)
        print(f"{LABEL.get(m, m):<30}{vals}")
    print("(second half of 28 days; slack/C < 0 is under capacity; served = served / arrived "
          "essential demand;\n postponers: backlog > 24 h of demand at the end; cost per agent "
          "per hour)")
    with open(os.path.join(d, "main.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mode"] + [c[0] for c in cols])
        for m, r in rows:
            w.writerow([m] + [r[c[0]] for c in cols])
    print(f"wrote {os.path.join(d, 'main.csv')}")
    try:
        import h5py
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(h5py/matplotlib missing: no figure)")
        return
    fig, ax = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for m, _ in rows:
        with h5py.File(os.path.join(d, f"run-{m}.h5"), "r") as f:
            s = f["series"]
            t = range(len(s["slack"]))
            day = [x / 24 for x in t]
            # daily means: the hourly series swing with the price
            import numpy as np
            k = 24
            slack = np.convolve(s["slack"][:] / s["capacity"][:], np.ones(k) / k, mode="valid")
            ax[0].plot(day[k - 1:], 100 * slack, label=LABEL.get(m, m))
            line, = ax[1].plot(day, s["lambda_mean"][:], label=LABEL.get(m, m))
            if m in ("consensus", "consensus-paper", "local", "tracking"):
                ax[1].fill_between(day, s["lambda_min"][:], s["lambda_max"][:], alpha=0.15,
                                   color=line.get_color())
    ax[0].axhline(0, color="k", lw=0.8)
    ax[0].set_ylabel("slack, % of C (24 h mean)")
    ax[0].legend(fontsize=8, ncol=2)
    ax[1].set_ylabel("lambda ($/kWh): mean, min-max")
    ax[1].set_xlabel("day")
    ax[1].set_ylim(0, 1.0)
    fig.suptitle("samarl main job: 256 agents, per-agent policies, multipliers by mode")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "main.png"), dpi=110)
    print(f"wrote {os.path.join(d, 'main.png')}")


if __name__ == "__main__":
    main()
