#!/usr/bin/env python3
"""Table and figure of scripts/experiments/scal-mappo-l/yardstick.sh:
yardstick.csv (one row per run), yardstick_table.md (means over seeds and
the worst seed) and fig_yardstick.png (violation against reward)."""
import argparse
import csv
import json
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FIELDS = ["reward", "feeder_violation_mean", "feeder_violation_max", "feeder_cost_mean",
          "fulfilled", "avg_slack_ratio", "lambda_mean", "agent_steps_per_s"]


def load(manifest):
    rows = []
    with open(manifest) as f:
        for r in csv.DictReader(f):
            if r["status"] != "ok":
                continue
            tags = dict(kv.split("=", 1) for kv in r["tags"].split(";"))
            with open(r["json"]) as jf:
                rec = json.load(jf)
            res = rec["results"]
            row = {k: tags[k] for k in ("graph", "seed", "mode", "eta")}
            row["n_agents"] = int(res["agent_steps"] // res["steps"])
            row.update({k: res.get(k) for k in FIELDS})
            rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = load(a.manifest)
    cols = ["graph", "n_agents", "mode", "eta", "seed"] + FIELDS
    with open(f"{a.out}/yardstick.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in cols})
    groups = defaultdict(list)
    for r in rows:
        groups[(r["graph"], r["n_agents"], r["mode"], r["eta"])].append(r)
    graphs = list(dict.fromkeys(r["graph"] for r in rows))
    lines = ["| graph | N | rule | eta | reward ($/agent/step) | violation mean | violation max "
             "(worst seed) | mean l_i - F | served |",
             "|---|---|---|---|---|---|---|---|---|"]
    for g in graphs:
        keys = sorted((k for k in groups if k[0] == g),
                      key=lambda k: (k[2] != "none", k[2] != "central", k[2] != "consensus",
                                     float(k[3])))
        for k in keys:
            rs = groups[k]
            m = lambda f: sum(r[f] for r in rs) / len(rs)  # noqa: E731
            lines.append(f"| {g} | {k[1]} | {k[2]} | {k[3] if k[2] == 'feeder' else ''} | "
                         f"{m('reward'):.4f} | {m('feeder_violation_mean'):.4f} | "
                         f"{max(r['feeder_violation_max'] for r in rs):.4f} | "
                         f"{m('feeder_cost_mean'):+.4f} | {m('fulfilled'):.4f} |")
    with open(f"{a.out}/yardstick_table.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, len(graphs), figsize=(3.2 * len(graphs), 3.2), squeeze=False)
    for ax, g in zip(axes[0], graphs):
        for k, rs in groups.items():
            if k[0] != g:
                continue
            x = sum(r["feeder_violation_mean"] for r in rs) / len(rs)
            y = sum(r["reward"] for r in rs) / len(rs)
            lab = k[2] if k[2] != "feeder" else f"feeder {k[3]}"
            ax.scatter([100 * x], [y], marker="o" if k[2] == "feeder" else "s")
            ax.annotate(lab, (100 * x, y), fontsize=6)
        ax.set_title(g, fontsize=9)
        ax.set_xlabel("feeder violation, mean (% of F)")
    axes[0][0].set_ylabel("team reward ($/agent/step)")
    fig.tight_layout()
    fig.savefig(f"{a.out}/fig_yardstick.png", dpi=150)
    print(f"wrote {a.out}/yardstick.csv, yardstick_table.md, fig_yardstick.png ({len(rows)} runs)")


if __name__ == "__main__":
    main()
