#!/usr/bin/env python3
"""Plot bench/ctde.sh's CSV: centralised training (MAPPO-Lagrangian,
train.algo = mappo-l) against samarl's state-augmented training
(train.algo = ppo), cost against the number of agents N.

usage: plot_ctde.py ctde.csv ctde.png

Left: wall time per training iteration against N, log-log, both methods
(hollow markers: process CPU time, which shows when other work shared the
cores), mappo-l's critic alone (dashed), least-squares slopes over the
upper points of each curve with the fitted lines extended to the time limit
(about 2 for the O(N^2) centralised critic, about 1 for samarl's
independent learners), the crossover if the curves cross, and where
mappo-l stops (an iteration over the limit, a projection over it, or the
memory guard), and how many agents samarl trains in the time of
mappo-l's largest iteration. Right: peak resident memory against N, with what mappo-l's
memory guard said it would need where it refused, and the memory that was
available.
"""
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RED, BLUE = "tab:red", "tab:blue"


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def fit(xs, ys):
    """Least-squares slope and intercept of log2 y against log2 x."""
    lx = [math.log2(x) for x in xs]
    ly = [math.log2(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    if sxx == 0:
        return math.nan, math.nan
    s = sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx
    return s, my - s * mx


def upper(xs, ys, k=4):
    """The last k points (the asymptotic range), at least 2."""
    k = max(2, min(k, len(xs)))
    return xs[-k:], ys[-k:]


def curve(rows, key, scale=1.0):
    pts = [(num(r["N"]), num(r[key]) * scale) for r in rows if num(r.get(key)) > 0]
    return [p[0] for p in pts], [p[1] for p in pts]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(sys.argv[1])))
    m = [r for r in rows if r["method"] == "mappo-l"]
    p = [r for r in rows if r["method"] == "ppo"]
    m_ok = [r for r in m if r["status"] in ("ok", "limit")]
    limit = num(rows[0].get("limit_s")) if rows else math.nan
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(14, 5.6))

    # ---- time per iteration --------------------------------------------------
    fits = {}
    for name, lab, rs, col, mark in (
            ("ppo", "samarl: state-augmented PPO, per-agent networks", p, BLUE, "o"),
            ("mappo-l", "MAPPO-Lagrangian: centralised critic", m_ok, RED, "s")):
        xs, ys = curve(rs, "s_per_iteration")
        if len(xs) < 2:
            continue
        s, c = fit(*upper(xs, ys))
        fits[name] = (xs, ys, s, c)
        xc, yc = curve(rs, "cpu_s_per_iteration")
        sc = fit(*upper(xc, yc))[0] if len(xc) >= 2 else math.nan
        ax.plot(xs, ys, mark + "-", color=col,
                label=f"{lab}\n    fitted slope {s:.2f} (CPU time: {sc:.2f})")
        if xc:
            ax.plot(xc, yc, mark, color=col, mfc="none", ms=9, alpha=0.5)
        # The fit over the upper points, extended to the limit (or the last N).
        x0 = upper(xs, ys)[0][0]
        x1 = xs[-1]
        if name == "mappo-l" and limit > 0 and s > 0:
            x1 = max(x1, 2 ** ((math.log2(limit) - c) / s))
        xf = [x0 * (x1 / x0) ** (k / 50) for k in range(51)]
        ax.plot(xf, [2 ** (c + s * math.log2(x)) for x in xf], ":", color=col, lw=2, alpha=0.6)
    xcr, ycr = curve(m_ok, "critic_s_per_iteration")
    if xcr:
        s, _ = fit(*upper(xcr, ycr))
        ax.plot(xcr, ycr, "s--", color=RED, mfc="none", ms=4, alpha=0.5,
                label=f"MAPPO-L's critic alone (fitted slope {s:.2f})")
    ax.plot([], [], "o", color="gray", mfc="none", ms=9, alpha=0.5,
            label="hollow: CPU time per iteration (rank 0)")
    if limit > 0:
        ax.axhline(limit, color="black", lw=0.8, ls="--")
        ax.annotate(f"limit: {limit:.0f} s per iteration", xy=(0.99, limit),
                    xycoords=("axes fraction", "data"), xytext=(0, 3), textcoords="offset points",
                    ha="right", fontsize=8)
    # Crossover of the two measured curves, and the cost ratio.
    if "ppo" in fits and "mappo-l" in fits:
        dp = dict(zip(fits["ppo"][0], fits["ppo"][1]))
        ratios = [(x, y / dp[x]) for x, y in zip(fits["mappo-l"][0], fits["mappo-l"][1]) if x in dp]
        cross = [x for (x, r), (_, r0) in zip(ratios[1:], ratios[:-1]) if (r - 1) * (r0 - 1) < 0]
        for x in cross:
            ax.axvline(x, color="gray", ls="--", lw=1)
        if ratios:
            (xa, ra), (xb, rb) = ratios[0], ratios[-1]
            txt = (f"crossover at N ~ {cross[0]:.0f}" if cross else
                   f"no crossover: MAPPO-L costs more at every N\n"
                   f"(x{ra:.1f} at N = {xa:.0f}, x{rb:.0f} at N = {xb:.0f}), and the gap\n"
                   f"grows as N^{fits['mappo-l'][2] - fits['ppo'][2]:.2f}")
            ax.annotate(txt, xy=(0.01, 0.88), xycoords="axes fraction", ha="left", va="top",
                        fontsize=8, bbox=dict(boxstyle="round", fc="white", ec="gray", alpha=0.9))
    # For the time of mappo-l's largest iteration, how many agents samarl
    # trains (its fitted line, extrapolated beyond its last point if needed).
    if "ppo" in fits and "mappo-l" in fits:
        xm, tm = fits["mappo-l"][0][-1], fits["mappo-l"][1][-1]
        _, _, s, c = fits["ppo"]
        if s > 0:
            neq = 2 ** ((math.log2(tm) - c) / s)
            xl = fits["ppo"][0][-1]
            if neq > xl:
                xf = [xl, neq]
                ax.plot(xf, [2 ** (c + s * math.log2(x)) for x in xf], ":", color=BLUE, lw=2,
                        alpha=0.6)
            ax.annotate("", xy=(neq, tm), xytext=(xm, tm),
                        arrowprops=dict(arrowstyle="->", color="gray", lw=1))
            ax.annotate(f"in MAPPO-L's time at N = {xm:.0f},\n"
                        f"samarl trains N ~ {neq:.3g} agents", xy=(math.sqrt(1.5 * xm * neq), tm),
                        xytext=(0, 4), textcoords="offset points", ha="center", va="bottom",
                        fontsize=8, color="dimgray")
    # Where mappo-l stops.
    for r in m:
        if r["status"] not in ("limit", "projected", "memory"):
            continue
        x = num(r["N"])
        if r["status"] == "projected":
            t = num(r["s_per_iteration"])
            ax.plot([x], [t], "x", color=RED, ms=10, mew=2)
            why = f"N = {x:.0f} projected at\n{t:.0f} s per iteration (not run)"
        elif r["status"] == "memory":
            why = (f"N = {x:.0f}: memory guard\n(needs {num(r['peak_rss_bytes']) / 1e9:.3g} GB, "
                   f"{num(r['mem_available_bytes']) / 1e9:.3g} GB free)")
        else:
            why = f"N = {x:.0f}: {num(r['s_per_iteration']):.0f} s per iteration"
        ax.axvline(x, color=RED, ls="-.", lw=1)
        ax.annotate("MAPPO-L stops:\n" + why, xy=(x, 0.6), xycoords=("data", "axes fraction"),
                    xytext=(5, 0), textcoords="offset points", ha="left", va="center",
                    fontsize=8, color=RED)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("agents N")
    ax.set_ylabel("seconds per training iteration (wall)")
    r0 = rows[0] if rows else {}
    ax.set_title(f"Training cost per iteration: {r0.get('copies', '?')} copies x "
                 f"{r0.get('horizon', '?')} steps, {r0.get('epochs', '?')} epochs x "
                 f"{r0.get('minibatches', '?')} minibatches, {r0.get('ranks', '?')} rank(s)",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="lower right")

    # ---- memory -------------------------------------------------------------
    for lab, rs, col, mark in (("samarl", p, BLUE, "o"), ("MAPPO-L", m_ok, RED, "s")):
        xs, ys = curve(rs, "peak_rss_bytes", 1e-6)
        if len(xs) < 2:
            continue
        s, _ = fit(*upper(xs, ys))
        bx.plot(xs, ys, mark + "-", color=col, label=f"{lab} (upper slope {s:.2f})")
    for r in m:
        if r["status"] == "memory":
            x, need = num(r["N"]), num(r["peak_rss_bytes"]) / 1e6
            bx.plot([x], [need], "x", color=RED, ms=10, mew=2,
                    label=f"MAPPO-L, N = {x:.0f}: needed (refused)")
            avail = num(r["mem_available_bytes"]) / 1e6
            if avail > 0:
                bx.axhline(avail, color="black", lw=0.8, ls="--")
                bx.annotate(f"MemAvailable {avail / 1e3:.3g} GB", xy=(0.01, avail),
                            xycoords=("axes fraction", "data"), xytext=(0, 3),
                            textcoords="offset points", fontsize=8)
    bx.set_xscale("log", base=2)
    bx.set_yscale("log")
    bx.set_xlabel("agents N")
    bx.set_ylabel("peak resident memory of the training process (MB)")
    bx.set_title("Peak memory", fontsize=10)
    bx.grid(True, which="both", alpha=0.25)
    bx.legend(fontsize=8, loc="center right", bbox_to_anchor=(1, 0.62))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=130)
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
