#!/usr/bin/python3
"""Plot a response curve written by `samarl eval -o curve.csv`: usage and
augmented return against lambda, the trained policy beside the best response.

  /usr/bin/python3 scripts/plot_eval.py curve.csv curve.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

src, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src)))
col = lambda k: [float(r[k]) for r in rows]
lam = col("lambda")
fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
ax[0].plot(lam, col("usage"), "o-", label="policy")
ax[0].plot(lam, col("best_usage"), "s--", label="best response")
ax[0].set_ylabel("grid draw (kWh per agent per step)")
ax[1].plot(lam, col("served"), "o-", label="policy")
ax[1].plot(lam, col("best_served"), "s--", label="best response")
ax[1].set_ylabel("served / arrived")
ax[2].plot(lam, col("return"), "o-", label="policy")
ax[2].plot(lam, col("best_return"), "s--", label="best response")
ax[2].set_ylabel("augmented return r - lambda g ($ per agent per step)")
for a in ax:
    a.set_xlabel("lambda ($/kWh)")
    a.grid(alpha=0.3)
    a.legend()
fig.suptitle(src)
fig.tight_layout()
fig.savefig(out, dpi=110)
print(f"wrote {out}")
