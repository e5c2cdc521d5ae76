#!/usr/bin/env python3
"""Render results/bench/train.csv as a Markdown table into a README,
between the markers <!-- train:begin --> and <!-- train:end -->."""
import csv
import sys

src, readme = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src)))
lines = [
    "| agents x copies | kernel | PyTorch peer (agent-steps/s) | samarl (agent-steps/s) | samarl / peer | FLOP per agent-step | samarl GFLOP/s | SGEMM peak GFLOP/s | of peak | samarl / peer at 100% of peak | FMA peak GFLOP/s | samarl / peer at the instruction bound |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    peer = "n/a" if r["peer_agent_steps_per_s"] == "nan" else f"{float(r['peer_agent_steps_per_s']):,.0f}"
    ratio = "n/a" if r["ratio"] == "nan" else f"**{float(r['ratio']):.1f}x**"
    lines.append(
        f"| {r['agents']} x {r['copies']} | {r['kernel']} | {peer} | {float(r['samarl_agent_steps_per_s']):,.0f} | {ratio} | "
        f"{int(r['flops_per_agent_step']):,} | {float(r['samarl_gflops']):.1f} | "
        f"{float(r['sgemm_peak_gflops']):.1f} | {100 * float(r['fraction_of_peak']):.0f}% | "
        f"{'n/a' if r['ratio_at_peak'] == 'nan' else r['ratio_at_peak'] + 'x'} | "
        f"{float(r.get('fma_peak_gflops', 'nan')):.1f} | "
        f"{'n/a' if r.get('ratio_at_instruction_bound', 'nan') == 'nan' else r['ratio_at_instruction_bound'] + 'x'} |"
    )
table = "\n".join(lines)
text = open(readme).read()
begin, end = "<!-- train:begin -->", "<!-- train:end -->"
if begin not in text or end not in text:
    text += f"\n## Training throughput\n\nOne core each, same work (`bench/train.sh`, `make bench`):\n\n{begin}\n{end}\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(readme, "w").write(head + begin + "\n" + table + "\n" + end + tail)
