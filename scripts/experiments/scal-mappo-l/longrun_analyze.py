#!/usr/bin/env python3
"""longrun.csv and longrun_table.md of longrun.sh: the trained actors run for
the yardstick's horizon, beside the yardstick of the same graph and seed
(kappa_analyze.py's choice of its dual.eta)."""
import argparse
import csv
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kappa_analyze import yardsticks  # noqa: E402

COLS = ["graph", "n_agents", "algo", "kappa", "seed", "mode", "reward", "yardstick_reward",
        "violation_mean", "violation_max", "lambda_mean"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--yardstick", default="")
    a = ap.parse_args()
    ys, _ = yardsticks(a.yardstick)
    rows = []
    with open(a.manifest) as f:
        for m in csv.DictReader(f):
            if m["status"] != "ok":
                continue
            t = dict(kv.split("=", 1) for kv in m["tags"].split(";"))
            rec = json.load(open(m["json"]))
            r = rec["results"]
            rows.append({"graph": t["graph"], "n_agents": rec["graph"]["n_agents"],
                         "algo": t["algo"], "kappa": int(t["kappa"]), "seed": t["seed"],
                         "mode": t["mode"], "reward": r["reward"],
                         "yardstick_reward": ys.get((t["graph"], t["seed"]), float("nan")),
                         "violation_mean": r["feeder_violation_mean"],
                         "violation_max": r["feeder_violation_max"],
                         "lambda_mean": r["lambda_mean"]})
    with open(f"{a.out}/longrun.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS)
        w.writeheader()
        w.writerows(rows)
    g = defaultdict(list)
    for r in rows:
        g[(r["graph"], r["algo"], r["kappa"], r["mode"])].append(r)
    lines = ["| graph | algo | kappa | multipliers | reward (mean; worst seed) | yardstick | "
             "vs yardstick (worst seed) | violation mean (worst seed) | violation max | lambda |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for k in sorted(g, key=lambda k: (k[0], k[1] != "scal-mappo-l", k[1], k[2], k[3])):
        rs = g[k]
        mean = lambda f: sum(r[f] for r in rs) / len(rs)  # noqa: E731
        worst = min((r["reward"] - r["yardstick_reward"]) / abs(r["yardstick_reward"])
                    for r in rs)
        lines.append(
            f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {mean('reward'):.4f}; "
            f"{min(r['reward'] for r in rs):.4f} | {mean('yardstick_reward'):.4f} | "
            f"{100 * worst:+.1f}% | {100 * mean('violation_mean'):.2f}% "
            f"({100 * max(r['violation_mean'] for r in rs):.2f}%) | "
            f"{100 * max(r['violation_max'] for r in rs):.1f}% | {mean('lambda_mean'):.3f} |")
    with open(f"{a.out}/longrun_table.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {a.out}/longrun.csv, longrun_table.md ({len(rows)} runs)")


if __name__ == "__main__":
    main()
