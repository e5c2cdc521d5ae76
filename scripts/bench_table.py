#!/usr/bin/env python3
"""Render results/bench/consensus.csv as a Markdown table into a README,
between the markers <!-- consensus:begin --> and <!-- consensus:end -->."""
import csv
import sys

src, readme = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src)))
lines = [
    "| agents | ranks | halo | round (us) | local mat-vec (us) | round / mat-vec | exchange alone (us) | halo agents | mat-vec GB/s | triad GB/s/rank |",
    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    lines.append(
        f"| {int(r['n_agents']):,} | {r['ranks']} | {r['halo']} | {float(r['round_us']):.1f} | "
        f"{float(r['matvec_us']):.1f} | **{float(r['ratio']):.2f}** | {float(r['exchange_us']):.2f} | "
        f"{int(r['halo_agents']):,} | {float(r['matvec_GBs']):.2f} | {float(r['triad_GBs_per_rank']):.2f} |"
    )
table = "\n".join(lines)
text = open(readme).read()
begin, end = "<!-- consensus:begin -->", "<!-- consensus:end -->"
if begin not in text or end not in text:
    sys.exit(f"{readme}: markers {begin} / {end} not found")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(readme, "w").write(head + begin + "\n" + table + "\n" + end + tail)
