#!/usr/bin/env python3
"""Put the execution benchmark's tables in a README:

  bench_run_table.py run.csv README.md            between <!-- run:begin --> and <!-- run:end -->
  bench_run_table.py --compress run_compress.csv README.md
                                                  between <!-- compress:begin --> and <!-- compress:end -->
"""
import csv
import sys


def put_block(path, name, title, intro, lines):
    """Replace the block between <!-- NAME:begin --> and <!-- NAME:end -->,
    or append it under a new section `title` with `intro`."""
    text = open(path).read()
    b, e = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = b + "\n" + "\n".join(lines) + "\n" + e
    if b in text and e in text:
        text = text[:text.index(b)] + block + text[text.index(e) + len(e):]
    else:
        text = text.rstrip("\n") + f"\n\n## {title}\n\n{intro}\n\n" + block + "\n"
    open(path, "w").write(text)


def run_table(rows):
    out = ["| agents | ranks | policy | agent-steps/s | per core | consensus share | HDF5 write MB/s | dd MB/s | peak memory / agent | weights streamed (GB/s per rank) | of read bandwidth |",
           "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {int(r['agents']):,} | {r['ranks']} | {r['policy']} | {float(r['agent_steps_per_s']):,.0f} | "
                   f"{float(r['per_core']):,.0f} | {100 * float(r['consensus_share']):.1f}% | "
                   f"{r['h5_write_MBps']} | {r['dd_write_MBps']} | "
                   + (f"{float(r['rss_bytes_per_agent']):,.0f} B |" if r.get('rss_bytes_per_agent') else "– |")
                   + (f" {float(r['weights_GBps_per_rank']):.1f} | {100 * float(r['read_fraction']):.0f}% of "
                      f"{float(r['read_GBps_per_rank']):.1f} |" if r.get('read_fraction') else " – | – |"))
    return out


def compress_table(rows):
    """One row per (agents, ranks, level): the run file's size and the
    trajectory write rate, each against level 0 (no filter) of the same run."""
    out = ["| agents | ranks | output.compress | run file (MB) | of uncompressed | /traj write MB/s (raw bytes / io time) | io time vs uncompressed | agent-steps/s |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    base = {(r["agents"], r["ranks"]): r for r in rows if r["compress"] == "0"}
    for r in rows:
        b = base.get((r["agents"], r["ranks"]))
        size, io = int(r["file_bytes"]), float(r["io_s"])
        rel_size = f"{size / int(b['file_bytes']):.2f}" if b else "–"
        rel_io = f"{io / float(b['io_s']):.1f}x" if b and float(b["io_s"]) > 0 else "–"
        out.append(f"| {int(r['agents']):,} | {r['ranks']} | {r['compress']} | {size / 1e6:.1f} | {rel_size} | "
                   f"{float(r['traj_MBps']):.0f} | {rel_io} | {float(r['agent_steps_per_s']):,.0f} |")
    return out


if __name__ == "__main__":
    if sys.argv[1] == "--compress":
        rows = list(csv.DictReader(open(sys.argv[2])))
        put_block(sys.argv[3], "compress", "Trajectory compression",
                  "`bench/run.sh` (`make bench`): the best response with every trajectory recorded, "
                  "`output.compress` = 0 (raw), 1 and 6 (shuffle + gzip at that level), in the same run.",
                  compress_table(rows))
    else:
        rows = list(csv.DictReader(open(sys.argv[1])))
        put_block(sys.argv[2], "run", "Execution throughput",
                  "`bench/run.sh` (`make bench`): `samarl run` on a 2-D torus (grid2d, 4 neighbours), "
                  "consensus K = 5 every step, all trajectories written; HDF5 rate = trajectory bytes / io "
                  "time, dd = the same amount written by dd to the same disk (page cache, no fsync).",
                  run_table(rows))
