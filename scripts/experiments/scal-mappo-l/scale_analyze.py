#!/usr/bin/env python3
"""scale.csv and fig_scale.png of scale.sh: seconds per iteration, peak
memory and the factor's hand-offs against N, with the least-squares slope
of log(s/iteration) on log(N) per algorithm and order."""
import argparse
import csv
import json
import math
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def slope(xs, ys):
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx if sxx > 0 else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = []
    with open(a.manifest) as f:
        for m in csv.DictReader(f):
            row = {"algo": m["algo"], "order": m["order"], "n_agents": int(m["n_agents"]),
                   "status": m["status"], "seconds_per_iteration": "", "peak_rss_mb_max": "",
                   "handoffs": "", "seq_wait_s": "", "slope": ""}
            if m["status"] == "ok":
                rec = json.load(open(m["json"]))
                r = rec["results"]
                row["seconds_per_iteration"] = r["s_per_iteration"]
                row["peak_rss_mb_max"] = rec.get("memory", {}).get("peak_rss_bytes_max", 0) / 1e6
                row["handoffs"] = r.get("handoffs", "")
                row["seq_wait_s"] = r.get("seq_wait_s_per_iteration", "")
            rows.append(row)
    groups = defaultdict(list)
    for r in rows:
        if r["status"] == "ok":
            groups[(r["algo"], r["order"])].append(r)
    slopes = {k: slope([r["n_agents"] for r in v], [r["seconds_per_iteration"] for r in v])
              for k, v in groups.items() if len(v) >= 2}
    for r in rows:
        s = slopes.get((r["algo"], r["order"]))
        r["slope"] = f"{s:.3f}" if s is not None else ""
    cols = ["algo", "order", "n_agents", "status", "seconds_per_iteration", "peak_rss_mb_max",
            "handoffs", "seq_wait_s", "slope"]
    with open(f"{a.out}/scale.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    fig, ax = plt.subplots(figsize=(5, 4))
    for (algo, order), v in sorted(groups.items()):
        v.sort(key=lambda r: r["n_agents"])
        lab = f"{algo} ({order}), slope {slopes.get((algo, order), float('nan')):.2f}"
        ax.loglog([r["n_agents"] for r in v], [r["seconds_per_iteration"] for r in v], "o-",
                  label=lab)
    ax.set_xlabel("agents N")
    ax.set_ylabel("seconds per iteration (2 ranks)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_scale.png", dpi=150)
    for k, s in sorted(slopes.items()):
        print(f"slope {k[0]} ({k[1]}): {s:.3f}")
    print(f"wrote {a.out}/scale.csv, fig_scale.png")


if __name__ == "__main__":
    main()
