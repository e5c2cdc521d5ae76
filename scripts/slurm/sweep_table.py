#!/usr/bin/env python3
"""The table of a scaling sweep (scripts/slurm/sweep.sh): one row per rank
count from SWEEPDIR/npNNNN/*.json, printed as markdown and written to
SWEEPDIR/sweep.csv.

  sweep_table.py SWEEPDIR

time = the main loop's wall time (results.wall_s) where the command reports
it, else the whole program's (timers.total.max_s). Efficiency against the
smallest rank count n0 with time t0: strong t0 n0 / (t n), weak t0 / t.
Standard library only."""
import csv
import glob
import json
import os
import sys


def main(sweep):
    mode = "strong"
    txt = os.path.join(sweep, "sweep.txt")
    if os.path.exists(txt):
        for line in open(txt):
            k, _, v = line.rstrip("\n").partition(" ")
            if k == "mode":
                mode = v
    rows = []
    for d in sorted(glob.glob(os.path.join(sweep, "np[0-9]*"))):
        recs = [f for f in glob.glob(os.path.join(d, "*.json"))]
        if not recs:
            rows.append({"dir": os.path.basename(d), "status": "no output"})
            continue
        j = json.load(open(recs[0]))
        r = j.get("results", {})
        total = j.get("timers", {}).get("total", {}).get("max_s")
        t = r.get("wall_s", total)
        rows.append({
            "dir": os.path.basename(d),
            "status": "ok",
            "ranks": j.get("n_ranks"),
            "agents": j.get("graph", {}).get("n_agents"),
            "time_s": t,
            "total_s": total,
            "agent_steps_per_s": r.get("agent_steps_per_s"),
            "peak_rss_max_bytes": j.get("memory", {}).get("peak_rss_bytes_max"),
            "edge_cut": j.get("graph", {}).get("edge_cut"),
        })
    done = [x for x in rows if x["status"] == "ok" and x["time_s"]]
    if done:
        ref = min(done, key=lambda x: x["ranks"])
        for x in done:
            if mode == "weak":
                x["efficiency"] = ref["time_s"] / x["time_s"]
            else:
                x["efficiency"] = ref["time_s"] * ref["ranks"] / (x["time_s"] * x["ranks"])
            if mode != "weak":
                x["speedup"] = ref["time_s"] / x["time_s"]
    cols = ["ranks", "agents", "time_s", "total_s", "agent_steps_per_s", "speedup", "efficiency",
            "peak_rss_max_bytes", "edge_cut", "status", "dir"]
    with open(os.path.join(sweep, "sweep.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for x in rows:
            w.writerow(x)

    def fmt(v, spec):
        return "–" if v is None else format(v, spec)

    print(f"{mode} scaling, {sweep}")
    print("| ranks | agents | time s | total s | agent-steps/s | per rank | speedup | efficiency | peak RSS/rank MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for x in rows:
        if x["status"] != "ok":
            print(f"| {x['dir']} | {x['status']} | | | | | | | |")
            continue
        rate = x["agent_steps_per_s"]
        rss = x["peak_rss_max_bytes"]
        print(f"| {x['ranks']} | {fmt(x['agents'], ',')} | {fmt(x['time_s'], '.3f')} | "
              f"{fmt(x['total_s'], '.3f')} | {fmt(rate, ',.0f')} | "
              f"{fmt(rate / x['ranks'] if rate else None, ',.0f')} | {fmt(x.get('speedup'), '.2f')} | "
              f"{fmt(x.get('efficiency'), '.2f')} | {fmt(rss / 1e6 if rss else None, '.1f')} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
