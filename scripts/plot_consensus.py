#!/usr/bin/python3
"""Plot a `samarl consensus -o FILE.h5` study: disagreement per round beside
the sigma^r envelope, and the final values' histogram."""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

src, out = sys.argv[1], sys.argv[2]
with h5py.File(src, "r") as f:
    c = f["consensus"]
    rounds, dis, bound = c["round"][:], c["disagreement"][:], c["bound"][:]
    final = c["final"][:]
    sigma = c.attrs["sigma"]
    graph = f["graph"].attrs["name"]
    n, ranks = f.attrs["n_agents"], f.attrs["n_ranks"]
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].semilogy(rounds, dis, "o-", ms=3, label="measured ||x - mean|| / sqrt(N)")
if np.isfinite(bound).all():
    ax[0].semilogy(rounds, bound, "--", label=f"sigma^r d0, sigma = {sigma:.5f}")
ax[0].set_xlabel("round")
ax[0].set_ylabel("disagreement")
ax[0].set_title(f"{graph}\n{n} agents, {ranks} ranks", fontsize=9)
ax[0].legend(fontsize=8)
ax[1].hist(final - final.mean(), bins=60)
ax[1].set_xlabel("final value - mean")
ax[1].set_ylabel("agents")
ax[1].set_title(f"after {rounds[-1]} rounds", fontsize=9)
fig.tight_layout()
fig.savefig(out, dpi=120)
print(f"wrote {out}")
