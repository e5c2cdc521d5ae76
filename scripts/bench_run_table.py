#!/usr/bin/env python3
"""Put the execution benchmark (results/bench/run.csv) as a markdown table
between <!-- run:begin --> and <!-- run:end --> in a README."""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
out = ["| agents | ranks | policy | agent-steps/s | per core | consensus share | HDF5 write MB/s | dd MB/s | peak memory / agent | weights streamed (GB/s per rank) | of read bandwidth |",
       "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
for r in rows:
    out.append(f"| {int(r['agents']):,} | {r['ranks']} | {r['policy']} | {float(r['agent_steps_per_s']):,.0f} | "
               f"{float(r['per_core']):,.0f} | {100 * float(r['consensus_share']):.1f}% | "
               f"{r['h5_write_MBps']} | {r['dd_write_MBps']} | "
               + (f"{float(r['rss_bytes_per_agent']):,.0f} B |" if r.get('rss_bytes_per_agent') else "– |")
               + (f" {float(r['weights_GBps_per_rank']):.1f} | {100 * float(r['read_fraction']):.0f}% of "
                  f"{float(r['read_GBps_per_rank']):.1f} |" if r.get('read_fraction') else " – | – |"))
path = sys.argv[2]
text = open(path).read()
b, e = "<!-- run:begin -->", "<!-- run:end -->"
block = b + "\n" + "\n".join(out) + "\n" + e
if b in text and e in text:
    text = text[:text.index(b)] + block + text[text.index(e) + len(e):]
else:
    text = text.rstrip("\n") + "\n\n## Execution throughput\n\n" \
        "`bench/run.sh` (`make bench`): `samarl run` on a 2-D torus (grid2d, 4 neighbours), " \
        "consensus K = 5 every step, all trajectories written; HDF5 rate = trajectory bytes / io " \
        "time, dd = the same amount written by dd to the same disk (page cache, no fsync).\n\n" + block + "\n"
open(path, "w").write(text)
