#!/usr/bin/python3
"""Plot the consensus benchmark: time per round and per local mat-vec
against the number of agents, for each rank count (p2p halo)."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

src, out = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(src))]
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
for ranks in sorted({r["ranks"] for r in rows}):
    for halo, style in (("p2p", "-"), ("neighbor", ":")):
        sel = sorted((r for r in rows if r["ranks"] == ranks and r["halo"] == halo),
                     key=lambda r: int(r["n_agents"]))
        if not sel:
            continue
        n = [int(r["n_agents"]) for r in sel]
        ax[0].loglog(n, [float(r["round_us"]) for r in sel], "o" + style,
                     label=f"round, {ranks} rank(s), {halo}")
        ax[1].semilogx(n, [float(r["ratio"]) for r in sel], "o" + style,
                       label=f"{ranks} rank(s), {halo}")
    sel = sorted((r for r in rows if r["ranks"] == ranks and r["halo"] == "p2p"),
                 key=lambda r: int(r["n_agents"]))
    ax[0].loglog([int(r["n_agents"]) for r in sel], [float(r["matvec_us"]) for r in sel], "k--",
                 alpha=0.4, label=f"local CSR mat-vec, {ranks} rank(s)")
ax[0].set_xlabel("agents")
ax[0].set_ylabel("time (us)")
ax[0].set_title("consensus round vs local mat-vec")
ax[0].legend(fontsize=7)
ax[1].axhline(1.5, color="r", lw=0.8, label="target 1.5")
ax[1].axhline(1.0, color="k", lw=0.5)
ax[1].set_xlabel("agents")
ax[1].set_ylabel("round / mat-vec")
ax[1].set_title("ratio (lower is better)")
ax[1].legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=120)
