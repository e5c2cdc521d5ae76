"""DR-net's costs and the feeder dual rule, recomputed from a run file.

usage: drnet_check.py RUN.h5 K F ETA LAMBDA0 EPOCH

RUN.h5 is a samarl run on a ring where each agent has K neighbours a side
(graph.type = ring, graph.k = K), every agent's trajectory recorded every
step, dual.mode = feeder. From /traj/usage and /agents/scale alone this
recomputes, in the engine's order of operations (i, then its neighbours in
gid order; sums over time in step order):
  - l_i,t - F per agent and step, and the second half's summary attributes
    feeder_cost_mean, feeder_violation_mean and feeder_violation_max;
  - the feeder rule: lambda_i <- max(0, lambda_i + ETA mean_epoch(l_i - F)),
    p_i = lambda_i + sum_{j neighbours} lambda_j, which must be the
    multiplier /traj/lambda records (float32) at every step.
Prints PASS/FAIL lines and DONE."""
import math
import sys

import h5py
import numpy as np

path, K, F, eta, lam0, epoch = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
with h5py.File(path, "r") as f:
    u = f["/traj/usage"][...].astype(np.float64)  # [T, N]
    lam_rec = f["/traj/lambda"][...]  # float32 [T, N]
    a = f["/agents/scale"][...].astype(np.float64)
    s = f["/summary"].attrs
    got = {k: float(s[k]) for k in ("feeder_cost_mean", "feeder_violation_mean",
                                     "feeder_violation_max")}
T, N = u.shape
nbrs = [sorted({(i + d) % N for d in range(-K, K + 1) if d != 0}) for i in range(N)]


def nsum(x):
    """Per agent: x_i, then + x_j over the neighbours in gid order."""
    out = x.copy()
    for i in range(N):
        acc = x[i]
        for j in nbrs[i]:
            acc += x[j]
        out[i] = acc
    return out


A = nsum(a)
cost = np.empty_like(u)
for t in range(T):
    cost[t] = nsum(u[t]) / A - F

half = T // 2
s2 = np.zeros(N)
for t in range(half, T):
    s2 += cost[t]
mean = s2 / (T - half)
viol = np.maximum(mean, 0) / F
want = {"feeder_cost_mean": math.fsum(mean) / N, "feeder_violation_mean": math.fsum(viol) / N,
        "feeder_violation_max": float(viol.max())}
for k, w in want.items():
    ok = got[k] == w
    print(("PASS" if ok else "FAIL") + f" {k} = {got[k]!r} recomputed from /traj/usage"
          + ("" if ok else f": expected {w!r}"))

lam = np.full(N, lam0)
p = nsum(lam)
gsum = np.zeros(N)
bad = 0
first = None
for t in range(T):
    if not np.array_equal(lam_rec[t], p.astype(np.float32)):
        bad += 1
        first = t if first is None else first
    gsum += cost[t]
    if (t + 1) % epoch == 0:
        dev = gsum / epoch
        gsum[:] = 0
        lam = np.maximum(lam + eta * dev, 0)
        p = nsum(lam)
print(("PASS" if bad == 0 else "FAIL") +
      f" the feeder rule's prices, recomputed, are /traj/lambda at all {T} steps" +
      ("" if bad == 0 else f": {bad} steps differ, the first {first}"))
print(("PASS" if lam.max() > 0 else "FAIL") + f" the rule moved: max lambda_i {lam.max():.4g}")
print("DONE")
