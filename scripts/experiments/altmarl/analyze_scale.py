#!/usr/bin/env python3
"""Seed 002's scale results (issue 22) from scale_vs_n.csv and
scale_ranks_1e6.csv (scripts/experiments/altmarl/scale.sh): the time per
simulated step and the bytes each rank reduces per step against n, and
whether n = 10^6 gives the same returns on 1-4 ranks; claims_scale.md and
fig_time_per_step_vs_n.png."""
import argparse
import csv
import math
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="results/altmarl")
    a = ap.parse_args()
    rows = list(csv.DictReader(open(f"{a.out}/scale_vs_n.csv")))
    ranks = list(csv.DictReader(open(f"{a.out}/scale_ranks_1e6.csv")))
    lines = ["# Scale: the tabular ALTERNATING-MARL against n (scale.sh)", "",
             "| n | ranks | k | rounds | training s | s per simulated step | "
             "agent-steps/s | bytes reduced per rank and step |",
             "|---|---|---|---|---|---|---|---|"]
    ns, sps = [], []
    for r in rows:
        n, rate = int(r["n_agents"]), float(r["agent_steps_per_s"])
        ns.append(n)
        sps.append(n / rate)
        lines.append(f"| {n} | {r['ranks']} | {r['k']} | {r['rounds']} | "
                     f"{float(r['train_s']):.2f} | {n / rate:.3g} | {rate:.3g} | "
                     f"{r['bytes_per_step']} |")
    if len(ns) >= 2:
        slope = math.log(sps[-1] / sps[0]) / math.log(ns[-1] / ns[0])
        lines += ["", f"Time per step grows as n^{slope:.2f} from n = {ns[0]} to {ns[-1]}; "
                  f"the bytes reduced per step: {sorted({r['bytes_per_step'] for r in rows})}."]
    by_seed = defaultdict(dict)
    for r in ranks:
        by_seed[int(r["seed"])][int(r["ranks"])] = r["reward"]
    same = all(len(set(v.values())) == 1 for v in by_seed.values())
    lines += ["", "## n = 10^6 on 1-4 ranks (returns to 17 digits)", "",
              "| seed | " + " | ".join(f"{p} rank(s)" for p in sorted(by_seed[0])) + " |",
              "|---|" + "---|" * len(by_seed[0])]
    for s, v in sorted(by_seed.items()):
        lines.append(f"| {s} | " + " | ".join(v[p] for p in sorted(v)) + " |")
    times = {int(r["ranks"]): (float(r["train_s"]), float(r["eval_s"])) for r in ranks}
    lines += ["", "Identical on every rank count: " + ("**yes**" if same else "**NO**") + ".",
              "Training / evaluation seconds per rank count (2 cores; 3 and 4 ranks "
              "oversubscribed): " + ", ".join(f"{p}: {t[0]:.1f} / {t[1]:.1f}"
                                              for p, t in sorted(times.items())) + "."]
    open(f"{a.out}/claims_scale.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.loglog(ns, sps, "o-", label="samarl, 2 ranks")
    ax.loglog(ns, [sps[0] * n / ns[0] for n in ns], ":", color="grey", label="linear in n")
    ax.set_xlabel("local agents n")
    ax.set_ylabel("seconds per simulated step")
    ax.set_title(f"tabular ALTERNATING-MARL, k = {rows[0]['k']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_time_per_step_vs_n.png", dpi=150)


if __name__ == "__main__":
    main()
