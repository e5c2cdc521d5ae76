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


# Every line distinguishable: colour, dash and marker per mode.
STYLE = {
    "none": dict(color="0.55", ls="-", marker=None),
    "fixed": dict(color="tab:purple", ls=(0, (1, 1)), marker=None),
    "local": dict(color="tab:red", ls="-", marker="v"),
    "central": dict(color="k", ls="-", marker=None, lw=2.4),
    "consensus": dict(color="tab:blue", ls="--", marker="o"),
    "consensus-paper": dict(color="tab:orange", ls="-.", marker="s"),
    "tracking": dict(color="tab:green", ls=":", marker="^", lw=1.8),
    "bestresponse": dict(color="tab:brown", ls=(0, (5, 2, 1, 2)), marker="D"),
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
    import numpy as np

    def daily(x):
        """24-hour moving mean: the hourly series swing with the price."""
        return np.convolve(x, np.ones(24) / 24, mode="valid")

    fig, ax = plt.subplots(3, 1, figsize=(9, 9.5), sharex=True)
    for idx, (m, _) in enumerate(rows):
        st = STYLE.get(m, dict(color="k", ls="-", marker=None))
        # markers staggered by mode, so lines that coincide stay apart
        kw = dict(color=st["color"], ls=st["ls"], marker=st["marker"], markevery=(6 * idx, 48), ms=5,
                  lw=st.get("lw", 1.3), label=LABEL.get(m, m))
        with h5py.File(os.path.join(d, f"run-{m}.h5"), "r") as f:
            s = f["series"]
            day = np.arange(len(s["slack"])) / 24.0
            dd = day[23:]
            arrived = daily(s["arrived"][:])
            served = np.where(arrived > 0, daily(s["served"][:]) / np.maximum(arrived, 1e-300), 1.0)
            ax[0].plot(dd, 100 * served, **kw)
            ax[1].plot(dd, 100 * daily(s["slack"][:] / s["capacity"][:]), **kw)
            ax[2].plot(dd, daily(s["lambda_mean"][:]), **kw)
    ax[0].set_ylabel("demand served, % of arrived\n(24 h mean)")
    ax[1].axhline(0, color="k", lw=0.6)
    ax[1].set_ylabel("slack, % of capacity C\n(24 h mean; < 0: under C)")
    ax[2].set_ylabel("mean multiplier λ ($/kWh)\n(24 h mean)")
    ax[2].set_xlabel("day")
    half = len(day) / 48.0
    for a in ax:
        a.axvline(half, color="0.5", lw=0.6, ls=":")
        a.grid(alpha=0.3)
    ax[1].legend(fontsize=8, ncol=2, loc="center right")
    fig.suptitle("samarl main job: 256 agents, per-agent policies, 28 days, every dual mode\n"
                 "(dotted line: start of the second half, where the table's metrics are taken)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(d, "main.png"), dpi=110)
    print(f"wrote {os.path.join(d, 'main.png')}")


if __name__ == "__main__":
    main()
