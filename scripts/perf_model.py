#!/usr/bin/env python3
"""The memory and time model of docs/performance.md, as code.

Memory: every rank holds a fixed base (libraries, MPI and HDF5 state) plus
per-agent arrays whose sizes follow from the source (the terms below name
the arrays); rank 0 also holds the whole graph during the set-up. A rank's
peak is base + max(set-up, after set-up); the job's is the sum over ranks.

    scripts/perf_model.py --table results/bench/million.csv   markdown table
    scripts/perf_model.py --project                          10^7-10^8 agents on a cluster

Imported by bench/million.sh (peak_rss_sum) to put the model beside every
measurement.
"""
import argparse
import configparser
import csv
import math
import sys

BASE = 26e6        # bytes per rank with (almost) no agents: samarl run at 10^3 agents, 1 rank
SLAB = 1 << 26     # policy-file column slab over all ranks (src/train/policyfile.c SLAB_BYTES)
OBS = 6            # ENV_OBS
F = 4              # sizeof(float)


def cfg_of(record):
    c = configparser.ConfigParser()
    c.read_string(record["config"])
    return c


def n_params(hidden, actions):
    i, h, o = OBS, hidden, actions + 1
    return i * h + h + h * h + h + h * o + o


def stride(hidden, actions):
    return (n_params(hidden, actions) + 15) // 16 * 16


def align64(nbytes):
    return (nbytes + 63) // 64 * 64


# ---- per-owned-agent terms (bytes), after the set-up --------------------------------

def graph_terms(dbar):
    # lgraph: gid 8, degree 4, rowptr 8, interior/boundary list 4, col 4 per neighbour
    return 24 + 4 * dbar


def consensus_terms(dbar, width):
    # wself 8, work 8 per value, widx 2 per edge, chunks: order 4, col 4 + w 2 per edge
    return 12 + 8 * width + 8 * dbar


def env_terms(copies):
    # a, inv_a, beta, column, offset; per copy b, d, z_spare (4 each), z_ctr 8
    return 20 + 20 * copies


def dual_terms(width):
    # dual.c: x (8 per value), lam, gsum, sold, dev
    return 32 + 8 * width


def output_terms(n_global, buffer_rows, buffer_mb):
    # stage 20, blk 20, blockmap perm 4 + recv_pos 8 + send/recv 20 + 20, out 20 per buffered row
    cap = min(buffer_rows, max(1, math.floor(buffer_mb * 1048576 / (20 * n_global))))
    return 92 + 20 * cap


def policy_terms(sharing, hidden, actions, adam):
    if sharing != "agent":
        return 0
    return F * stride(hidden, actions) * (3 if adam else 1) + 2 * OBS * F


def rollout_terms(horizon, copies):
    # shared training keeps every agent's rollout (src/train/ppo.c pools): x [6][S] and
    # logp/val/rew/adv/ret [S], each padded to 16 floats; act [S]; perm [S] (int32)
    S = horizon * copies
    return align64(OBS * F * S) + 5 * align64(F * S) + S + 4 * S


def after_setup_per_agent(kind, pol, rec, n_global):
    c = cfg_of(rec)
    dbar = 2.0 * rec["graph"]["n_edges"] / n_global
    levels = len(c["env"]["levels"].split(","))
    hidden = int(c["policy"]["hidden"])
    if kind == "run":
        mode = c["dual"]["mode"]
        width = 2 if mode == "tracking" else 1
        b = graph_terms(dbar) + env_terms(1) + dual_terms(width)
        if mode in ("consensus", "tracking"):
            b += consensus_terms(dbar, width)
        if c["output"]["agents"] != "none":
            b += output_terms(n_global, int(c["output"]["buffer"]), float(c["output"]["buffer_mb"]))
        sharing = "agent" if pol == "agent" else "shared"
        if c["policy"]["type"] == "mlp":
            b += policy_terms(sharing, hidden, levels, False)
        return b
    # train
    sharing = c["policy"]["sharing"]
    copies, ecopies = int(c["train"]["copies"]), int(c["train"]["eval_copies"])
    horizon = int(c["env"]["horizon"])
    trained = int(c["train"]["iterations"]) > 0
    b = graph_terms(dbar) + env_terms(copies) + env_terms(ecopies)
    b += policy_terms(sharing, hidden, levels, trained)
    if sharing == "shared":
        b += rollout_terms(horizon, copies)
    return b


def setup_rank0(rec, n_global, ranks):
    """Rank 0 during the set-up: the global graph (xadj 8, adj 8 per
    neighbour), the partition vector 4, then the larger of METIS (its input
    xadj/adjncy/where in 4-byte idx_t, and a workspace of about 4x that,
    measured with valgrind massif) and the scatter of rows (gid 8, degree 4,
    and neighbour gid 8, owner 4, neighbour degree 4 per neighbour)."""
    dbar = 2.0 * rec["graph"]["n_edges"] / n_global
    graph = 8 + 8 * dbar + 4
    metis = 5 * (8 + 4 * dbar) if ranks > 1 else 0
    scatter = 12 + 16 * dbar
    return n_global * (graph + max(metis, scatter))


def peak_rss_sum(kind, pol, n_global, ranks, rec):
    owned = rec["partition"]["owned"][:ranks] if "partition" in rec else [n_global / ranks] * ranks
    ghosts = rec["partition"].get("ghosts", [0] * ranks)[:ranks] if "partition" in rec else [0] * ranks
    per = after_setup_per_agent(kind, pol, rec, n_global)
    c = cfg_of(rec)
    slab = 0
    if c["policy"].get("type", "mlp") == "mlp" and pol != "bestresponse":
        # reading or writing the policy file: a slab in file order and one in
        # local order, and the exchange's send and receive buffers, each
        # min(SLAB, the largest table) over all ranks
        hidden, levels = int(c["policy"]["hidden"]), len(c["env"]["levels"].split(","))
        nets = n_global if c["policy"]["sharing"] == "agent" else 1
        slab = 4 * min(SLAB, nets * F * stride(hidden, levels)) / ranks
    total = 0.0
    for r in range(ranks):
        after = owned[r] * per + ghosts[r] * 24 + slab
        setup = setup_rank0(rec, n_global, ranks) if r == 0 else 0
        total += BASE + max(setup, after)
    return total


# ---- time: FLOPs and bytes per agent-step -------------------------------------------

def mlp_flops(hidden=32, actions=6):
    return 2 * (OBS * hidden + hidden * hidden + hidden * (actions + 1))


def table(path):
    rows = list(csv.DictReader(open(path)))
    out = ["| command | policy | agents | ranks | agent-steps/s per core | peak RSS (sum) | per agent "
           "| model | measured / model |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['command']} | {r['policy']} | {int(r['agents']):,} | {r['ranks']} | "
                   f"{float(r['per_core']):,.0f} | {int(r['rss_sum_bytes']) / 1e6:,.0f} MB | "
                   f"{float(r['rss_per_agent']):,.0f} B | {float(r['model_rss_sum_bytes']) / 1e6:,.0f} MB | "
                   f"{float(r['model_ratio']):.2f} |")
    return "\n".join(out) + "\n"


def project():
    """Per-rank memory at 10^7-10^8 agents on 64-1024 ranks (grid2d-like degree 4, consensus,
    trajectories on, buffer_mb 16): the per-agent terms do not change with N; the
    set-up on rank 0 does, and is what limits the size a single rank can partition."""
    dbar = 4.0
    lines = ["| agents | ranks | per-agent MLPs: GB per rank | shared/best response: GB per rank "
             "| rank 0 set-up: GB |", "|---:|---:|---:|---:|---:|"]
    for N in (1e7, 1e8):
        for P in (64, 256, 1024):
            n = N / P
            cap = min(24, max(1, math.floor(16 * 1048576 / (20 * N))))
            lean = graph_terms(dbar) + env_terms(1) + dual_terms(1) + consensus_terms(dbar, 1) + 92 + 20 * cap
            agent = lean + policy_terms("agent", 32, 6, False)
            setup = N * (8 + 8 * dbar + 4 + 5 * (8 + 4 * dbar))
            lines.append(f"| {N:.0e} | {P} | {(BASE + n * agent) / 1e9:.2f} | {(BASE + n * lean) / 1e9:.3f} | "
                         f"{(BASE + setup) / 1e9:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", metavar="CSV", help="markdown table of bench/million.sh's CSV")
    ap.add_argument("--project", action="store_true", help="projection to 10^7-10^8 agents")
    a = ap.parse_args()
    if a.table:
        sys.stdout.write(table(a.table))
    if a.project:
        sys.stdout.write(project())
    if not (a.table or a.project):
        ap.print_help()
