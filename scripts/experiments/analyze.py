#!/usr/bin/python3
"""Tables and figures of the paper experiments (results/paper).

Reads the manifests written by modes.sh and sweep.sh (OUT/manifest_*.csv),
the JSON summaries and the run.h5 /series they point at, and writes
  modes.csv, fig_modes_<graph>.png                       (a)
  sweep.csv, fig_sweep_K.png, fig_sweep_K_tracking.png,
  fig_sweep_connectivity.png                             (b)
  fig_bound.png                                          (c)
  gap.csv                                                (d)
  sigma.csv                      (sigma: run / converged / exact eigenvalue)
  tables.md                      (every markdown table of the README)

usage: /usr/bin/python3 scripts/experiments/analyze.py [--out results/paper]
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np
import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODES = ["none", "local", "central", "consensus", "consensus-paper", "tracking"]
MODE_COLOURS = {"none": "tab:gray", "local": "tab:red", "central": "k",
                "consensus": "tab:blue", "consensus-paper": "tab:orange", "tracking": "tab:green"}
MIXING = ("consensus", "consensus-paper", "tracking")  # the rules that mix
FAMILIES = ["ring", "rgg", "smallworld", "grid", "gridload"]
FAMILY_TITLES = {"ring": "ring lattice (N=1000), k per side",
                 "rgg": "random geometric (N=1000), radius",
                 "smallworld": "small world (N=1000, k=3), rewiring p",
                 "grid": "power grids (synthetic loads)",
                 "gridload": "power grids (own loads)"}
FAMILY_MARKERS = {"ring": "o", "rgg": "s", "smallworld": "^", "grid": "D", "gridload": "v"}
FAMILY_COLOURS = {"ring": "tab:blue", "rgg": "tab:orange", "smallworld": "tab:green",
                  "grid": "tab:red", "gridload": "tab:purple"}


def read_manifest(path):
    """Rows of a manifest: dict with the tags, status, wall_s, json, results."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for r in csv.DictReader(f):
            d = {}
            for kv in r["tags"].split(";"):
                k, v = kv.split("=", 1)
                d[k] = v
            d["id"] = r["id"]
            d["status"] = r["status"]
            d["wall_s"] = float(r["wall_s"])
            d["json"] = r["json"]
            d["h5"] = r["json"][:-5] + ".h5"
            if r["status"] == "ok":
                with open(r["json"]) as jf:
                    j = json.load(jf)
                d["res"] = j["results"]
                d["graph"] = j["graph"]
                d["config"] = j["config"]
            rows.append(d)
    return rows


def cfg_value(config_text, section, key):
    sec = None
    for line in config_text.splitlines():
        line = line.strip()
        if line.startswith("["):
            sec = line.strip("[]")
        elif "=" in line and sec == section:
            k, v = (s.strip() for s in line.split("=", 1))
            if k == key:
                return v
    return None


def series(h5path, names):
    with h5py.File(h5path, "r") as f:
        out = {n: f["series/" + n][()] for n in names}
        out["capacity_value"] = float(f.attrs["capacity"])
    return out


def moving_mean(x, w=24):
    c = np.cumsum(np.insert(x, 0, 0.0))
    y = np.full(len(x), np.nan)
    y[w - 1:] = (c[w:] - c[:-w]) / w
    return y


def fmt(x, spec):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return format(x, spec)


def md_table(header, rows):
    s = "| " + " | ".join(header) + " |\n"
    s += "|" + "|".join("---" for _ in header) + "|\n"
    for r in rows:
        s += "| " + " | ".join(str(c) for c in r) + " |\n"
    return s


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow(r)


# ----------------------------------------------------------------- sigma ---

def metropolis_sigma(n, edges):
    """Exact |lambda_2| of the Metropolis-Hastings matrix of an edge list."""
    deg = np.zeros(n, dtype=np.int64)
    for u, v in edges:
        deg[u] += 1
        deg[v] += 1
    W = np.zeros((n, n))
    for u, v in edges:
        w = 1.0 / (1.0 + max(deg[u], deg[v]))
        W[u, v] = W[v, u] = w
    W[np.diag_indices(n)] = 1.0 - W.sum(axis=1)
    ev = np.sort(np.linalg.eigvalsh(W))
    # ev[-1] = 1 (connected graph); sigma = largest modulus of the others
    return float(max(abs(ev[0]), abs(ev[-2])))


def ring_sigma(n, k):
    j = np.arange(1, n)
    lam = (1.0 + 2.0 * sum(np.cos(2 * np.pi * j * m / n) for m in range(1, k + 1))) / (2 * k + 1)
    return float(np.max(np.abs(lam)))


def metis_edges(path):
    with open(path) as f:
        lines = [l for l in f if not l.lstrip().startswith("%")]
    n = int(lines[0].split()[0])
    edges = set()
    for u, line in enumerate(lines[1:n + 1]):
        for v in line.split():
            v = int(v) - 1
            if v != u:
                edges.add((min(u, v), max(u, v)))
    return n, sorted(edges)


# ----------------------------------------------------------------- (a) ---

def do_modes(rows, out, md):
    rows = [r for r in rows if r["status"] == "ok"]
    if not rows:
        return
    header = ["graph", "policy", "mode", "avg_slack_ratio", "violation_ratio", "fulfilled",
              "postponers", "backlog_growth", "energy_cost", "reward", "lambda_final_mean",
              "lambda_final_min", "lambda_final_max", "lambda_final_disagreement",
              "disagreement_mean", "lambda_mean_2nd_half"]
    for r in rows:
        lm = series(r["h5"], ["lambda_mean"])["lambda_mean"]
        r["lambda_avg"] = float(np.mean(lm[len(lm) // 2:]))
    table = []
    for r in rows:
        res = r["res"]
        table.append([r["net"], r["policy"], r["mode"]] +
                     [res[k] for k in header[3:-1]] + [r["lambda_avg"]])
    write_csv(os.path.join(out, "modes.csv"), header, table)

    graphs = sorted({r["net"] for r in rows}, key=lambda g: (g != "ring2", g))
    names = {"ring2": "ring lattice k=2 (N=1000, 2000 edges)",
             "smallworld": "small world k=3, p=0.1 (N=1000, 3000 edges)"}
    for g in graphs:
        md.append(f"\n### (a) dual modes, {names.get(g, g)}, K=5\n\n")
        hdr = ["policy", "mode", "slack % of C", "steps over C", "fulfilment %", "postponers %",
               "backlog growth kWh/agent/h", "reward $/agent/h", "energy cost $/agent/h",
               "λ final mean [min, max]", "λ mean 2nd half", "λ disagreement final (mean)"]
        trs = []
        for pol in ["bestresponse", "trained"]:
            for m in MODES:
                rr = [r for r in rows if r["net"] == g and r["policy"] == pol and r["mode"] == m]
                if not rr:
                    continue
                res = rr[0]["res"]
                trs.append([pol, m, fmt(100 * res["avg_slack_ratio"], "+.2f"),
                            fmt(res["violation_ratio"], ".3f"),
                            fmt(100 * res["fulfilled"], ".2f"), fmt(100 * res["postponers"], ".1f"),
                            fmt(res["backlog_growth"], ".4f"), fmt(res["reward"], ".4f"),
                            fmt(res["energy_cost"], ".4f"),
                            f"{res['lambda_final_mean']:.3f} [{res['lambda_final_min']:.3f}, "
                            f"{res['lambda_final_max']:.3f}]",
                            fmt(rr[0]["lambda_avg"], ".3f"),
                            f"{res['lambda_final_disagreement']:.3g} ({res['disagreement_mean']:.3g})"])
        md.append(md_table(hdr, trs))

        pols = [p for p in ["bestresponse", "trained"]
                if any(r["net"] == g and r["policy"] == p for r in rows)]
        fig, axes = plt.subplots(len(pols), 3, figsize=(16, 4.2 * len(pols)), squeeze=False)
        for pi, pol in enumerate(pols):
            for m in MODES:
                rr = [r for r in rows if r["net"] == g and r["policy"] == pol and r["mode"] == m]
                if not rr:
                    continue
                s = series(rr[0]["h5"], ["lambda_mean", "lambda_min", "lambda_max", "slack",
                                         "backlog"])
                t = np.arange(len(s["slack"])) / 24.0
                c = MODE_COLOURS[m]
                ax = axes[pi, 0]
                ax.plot(t, s["lambda_mean"], color=c, lw=1, label=m)
                if m in ("local", "consensus", "consensus-paper", "tracking"):
                    ax.fill_between(t, s["lambda_min"], s["lambda_max"], color=c, alpha=0.15, lw=0)
                ax = axes[pi, 1]
                ax.plot(t, 100 * moving_mean(s["slack"]) / s["capacity_value"], color=c, lw=1.2,
                        label=m)
                ax = axes[pi, 2]
                n = rr[0]["graph"]["n_agents"]
                ax.plot(t, s["backlog"] / n, color=c, lw=1.2, label=m)
            axes[pi, 0].set_ylabel(f"{pol}\nλ mean (band: min–max) [$/kWh]")
            axes[pi, 0].set_ylim(bottom=0)
            axes[pi, 0].set_yscale("symlog", linthresh=1.0)
            axes[pi, 1].set_ylabel("slack, 24-h moving mean [% of C]")
            axes[pi, 1].axhline(0, color="k", lw=0.5, ls=":")
            axes[pi, 2].set_ylabel("pending demand per agent [kWh]")
            axes[pi, 2].set_yscale("symlog", linthresh=0.1)
            for ax in axes[pi]:
                ax.axvline(14, color="k", lw=0.5, ls="--")
                ax.set_xlabel("day")
                ax.grid(alpha=0.3)
            axes[pi, 0].legend(fontsize=8)
        fig.suptitle(f"(a) dual modes on {names.get(g, g)}, K=5 rounds; dashed: start of the "
                     "steady-state window")
        fig.tight_layout()
        fig.savefig(os.path.join(out, f"fig_modes_{g}.png"), dpi=110)
        plt.close(fig)


# ------------------------------------------------------------- (b)-(d) ---

def graph_label(r):
    return f"{r['family']} {r['param']}"


def do_sweep(rows, out, md, grids_dir):
    ok = [r for r in rows if r["status"] == "ok"]
    failed = [r for r in rows if r["status"] != "ok"]
    sig_runs = {(r["family"], r["param"]): r for r in ok if r["exp"] == "sigma"}
    runs = [r for r in ok if r["exp"] == "sweep"]
    if not runs:
        return
    eta = float(cfg_value(runs[0]["config"], "dual", "eta"))

    # sigma: reported by the runs (at most 2000 Lanczos steps), converged (many
    # iterations), exact eigenvalue where the graph can be rebuilt here
    graphs = []
    for r in runs:
        key = (r["family"], r["param"])
        if key not in graphs:
            graphs.append(key)
    sig = {}
    sig_rows = []
    for fam, param in graphs:
        cons = [r for r in runs if (r["family"], r["param"]) == (fam, param)
                and r["mode"] == "consensus"]
        s_run = cons[0]["res"]["sigma"] if cons else float("nan")
        s_conv = sig_runs[(fam, param)]["res"]["sigma"] if (fam, param) in sig_runs else float("nan")
        s_exact = float("nan")
        if fam == "ring":
            s_exact = ring_sigma(1000, int(param.split("=")[1]))
        elif fam in ("grid", "gridload"):
            p = os.path.join(grids_dir, param + ".graph")
            if os.path.exists(p):
                if fam == "gridload" and ("grid", param) in sig:
                    s_exact = sig[("grid", param)]["exact"]
                else:
                    n, e = metis_edges(p)
                    s_exact = metropolis_sigma(n, e)
        n_agents = cons[0]["graph"]["n_agents"] if cons else 0
        n_edges = cons[0]["graph"]["n_edges"] if cons else 0
        ref = s_exact if math.isfinite(s_exact) else s_conv
        sig[(fam, param)] = {"run": s_run, "conv": s_conv, "exact": s_exact, "ref": ref,
                             "n": n_agents, "edges": n_edges}
        sig_rows.append([fam, param, n_agents, n_edges, 2 * n_edges / max(n_agents, 1),
                         s_run, s_conv, s_exact, ref, 1 - ref])
    write_csv(os.path.join(out, "sigma.csv"),
              ["family", "param", "n_agents", "n_edges", "mean_degree", "sigma_run_2000it",
               "sigma_converged", "sigma_exact", "sigma_ref", "spectral_gap"], sig_rows)
    md.append("\n### sigma = |λ2(W)| per graph\n\n")
    md.append(md_table(["graph", "N", "edges", "mean degree", "σ reported by run (2000 it.)",
                        "σ converged (1e5 it.)", "σ exact (eigvalsh)", "1 − σ_ref"],
                       [[f"{r[0]} {r[1]}", r[2], r[3], f"{r[4]:.2f}", f"{r[5]:.6f}",
                         fmt(r[6], ".6f"), fmt(r[7], ".6f"), f"{r[9]:.3g}"] for r in sig_rows]))

    # central reference per graph, gaps, bound with the converged sigma
    central = {(r["family"], r["param"]): r for r in runs if r["mode"] == "central"}
    lam_avg = {}
    for r in runs:
        s = series(r["h5"], ["lambda_mean"])
        lm = s["lambda_mean"]
        lam_avg[r["id"]] = float(np.mean(lm[len(lm) // 2:]))
    header = ["family", "param", "n_agents", "mode", "K", "sigma_run", "sigma_ref",
              "avg_slack_ratio", "violation_ratio", "fulfilled", "postponers", "backlog_growth",
              "energy_cost", "reward", "lambda_final_mean", "lambda_final_min",
              "lambda_final_max", "lambda_mean_2nd_half", "lambda_final_disagreement",
              "disagreement_mean", "disagreement_bound_run", "G", "disagreement_bound_ref",
              "wall_s"]
    table = []
    gap_rows = []
    for r in runs:
        res = r["res"]
        K = int(r["K"])
        key = (r["family"], r["param"])
        sr = sig[key]["ref"]
        G = bref = float("nan")
        if r["mode"] in MIXING and math.isfinite(res["disagreement_bound"]):
            # the steady-state bound eta sigma^K G / (1 - sigma^K), G the
            # largest disagreement of a step direction, sigma converged
            G = res["step_disagreement_max"]
            skr = sr ** K
            bref = eta * G * skr / (1 - skr)
        r["G"], r["bound_ref"], r["sigma_ref"] = G, bref, sr
        table.append([r["family"], r["param"], r["graph"]["n_agents"], r["mode"], K, res["sigma"],
                      sr] + [res[k] for k in header[7:17]] + [lam_avg[r["id"]]] +
                     [res["lambda_final_disagreement"], res["disagreement_mean"],
                      res["disagreement_bound"], G, bref, res.get("wall_s")])
        if r["mode"] in MIXING and key in central:
            c = central[key]["res"]
            lc = lam_avg[central[key]["id"]]
            r["gap"] = {
                "reward": 100 * (c["reward"] - res["reward"]) / abs(c["reward"]),
                "cost": 100 * (res["energy_cost"] - c["energy_cost"]) / c["energy_cost"],
                "slack": 100 * (res["avg_slack_ratio"] - c["avg_slack_ratio"]),
                "fulfil": 100 * (res["fulfilled"] - c["fulfilled"]),
                "lambda_avg": 100 * (lam_avg[r["id"]] - lc) / lc,
                "lambda_final": 100 * (res["lambda_final_mean"] - c["lambda_final_mean"])
                / c["lambda_final_mean"],
            }
            g = r["gap"]
            gap_rows.append([r["family"], r["param"], r["mode"], K, c["reward"], res["reward"],
                             g["reward"], c["energy_cost"], res["energy_cost"], g["cost"],
                             c["avg_slack_ratio"], res["avg_slack_ratio"], g["slack"], g["fulfil"],
                             lc, lam_avg[r["id"]], g["lambda_avg"], g["lambda_final"]])
    write_csv(os.path.join(out, "sweep.csv"), header, table)
    write_csv(os.path.join(out, "gap.csv"),
              ["family", "param", "mode", "K", "reward_central", "reward", "gap_reward_pct",
               "energy_cost_central", "energy_cost", "gap_energy_cost_pct", "slack_central",
               "slack", "gap_slack_pctC", "gap_fulfilled_pp", "lambda_avg_central", "lambda_avg",
               "gap_lambda_avg_pct", "gap_lambda_final_pct"], gap_rows)

    fams = [f for f in FAMILIES if any(r["family"] == f for r in runs)]
    Ks = sorted({int(r["K"]) for r in runs if r["mode"] != "central"})

    def params_of(fam):
        ps = []
        for f, p in graphs:
            if f == fam:
                ps.append(p)
        return ps

    # (b) figures: metric vs K per family, one line per graph
    for mode in MIXING:
        mr = [r for r in runs if r["mode"] == mode]
        if not mr:
            continue
        # (key, label, scale, log y, smallest y span shown on a linear axis)
        metrics = [("fulfilled", "fulfilment [%]", 100, False, 0.2),
                   ("violation_ratio", "share of steps over C", 1, False, 0.05),
                   ("avg_slack_ratio", "avg slack [% of C]", 100, False, 0.2),
                   ("disagreement_mean", "λ disagreement (RMS, mean) [$/kWh]", 1, True, 0),
                   ("postponers", "postponers [%]", 100, False, 1.0),
                   ("gap_reward", "|reward gap to central| [%]", 1, True, 0)]
        fig, axes = plt.subplots(len(metrics), len(fams), figsize=(3.6 * len(fams), 2.6 * len(metrics)),
                                 squeeze=False, sharex=True)
        for fi, fam in enumerate(fams):
            ps = params_of(fam)
            cmap = plt.get_cmap("viridis")
            for pi, p in enumerate(ps):
                rr = sorted([r for r in mr if r["family"] == fam and r["param"] == p],
                            key=lambda r: int(r["K"]))
                if not rr:
                    continue
                col = cmap(pi / max(len(ps) - 1, 1))
                x = [int(r["K"]) for r in rr]
                for mi, (k, lab, sc, logy, span) in enumerate(metrics):
                    ax = axes[mi, fi]
                    if k == "gap_reward":
                        y = [abs(r["gap"]["reward"]) if "gap" in r else np.nan for r in rr]
                    else:
                        y = [sc * r["res"][k] for r in rr]
                    ax.plot(x, y, "o-", color=col, ms=3, lw=1, label=p)
                    c = central.get((fam, p))
                    if c is not None and k not in ("disagreement_mean", "gap_reward"):
                        ax.axhline(sc * c["res"][k], color=col, lw=0.7, ls=":")
            for mi, (k, lab, sc, logy, span) in enumerate(metrics):
                ax = axes[mi, fi]
                ax.set_xscale("log")
                if k == "gap_reward":
                    ax.axhline(0.2, color="r", lw=0.8, ls="--")
                if logy:
                    ax.set_yscale("log")
                else:
                    ax.ticklabel_format(axis="y", useOffset=False)
                    lo, hi = ax.get_ylim()
                    if hi - lo < span:
                        mid = 0.5 * (lo + hi)
                        ax.set_ylim(mid - span / 2, mid + span / 2)
                ax.grid(alpha=0.3, which="both")
                if fi == 0:
                    ax.set_ylabel(lab)
            axes[0, fi].set_title(FAMILY_TITLES[fam], fontsize=9)
            axes[0, fi].legend(fontsize=7)
            axes[-1, fi].set_xlabel("K = dual.rounds")
            axes[-1, fi].set_xticks(Ks)
            axes[-1, fi].set_xticklabels([str(k) for k in Ks])
        fig.suptitle(f"(b) dual.mode={mode}, best-response policy: steady-state metrics vs K "
                     "(dotted: central oracle on the same graph; red dashed: 0.2% gap)")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "fig_sweep_K.png" if mode == "consensus"
                                 else f"fig_sweep_K_{mode}.png"), dpi=100)
        plt.close(fig)

    # (b) connectivity: metrics vs 1 - sigma^K (the contraction per dual epoch)
    cr = [r for r in runs if r["mode"] == "consensus"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for fam in fams:
        rr = [r for r in cr if r["family"] == fam]
        x = [1 - r["sigma_ref"] ** int(r["K"]) for r in rr]
        kw = dict(marker=FAMILY_MARKERS[fam], color=FAMILY_COLOURS[fam], s=18, label=fam)
        axes[0].scatter(x, [100 * r["res"]["fulfilled"] for r in rr], **kw)
        axes[1].scatter(x, [r["res"]["disagreement_mean"] for r in rr], **kw)
        axes[2].scatter(x, [abs(r["gap"]["reward"]) if "gap" in r else np.nan for r in rr], **kw)
    axes[0].set_ylabel("fulfilment [%]")
    axes[1].set_ylabel("λ disagreement (RMS, mean over 2nd half) [$/kWh]")
    axes[1].set_yscale("log")
    axes[2].set_ylabel("|reward gap to central| [%]")
    axes[2].set_yscale("log")
    axes[2].axhline(0.2, color="r", lw=0.8, ls="--", label="0.2%")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("1 − σ^K  (σ = |λ2(W)|, K rounds)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("(b) consensus, all graphs and K: effect of the per-epoch contraction σ^K")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig_sweep_connectivity.png"), dpi=100)
    plt.close(fig)

    # (c) measured disagreement vs the bound
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    for fam in fams:
        rr = [r for r in cr if r["family"] == fam]
        b = np.array([r["bound_ref"] for r in rr])
        axes[0].scatter(b, [r["res"]["disagreement_mean"] for r in rr], marker=FAMILY_MARKERS[fam],
                        color=FAMILY_COLOURS[fam], s=20, label=f"{fam}: mean")
        axes[0].scatter(b, [r["res"]["lambda_final_disagreement"] for r in rr],
                        marker=FAMILY_MARKERS[fam], facecolors="none",
                        edgecolors=FAMILY_COLOURS[fam], s=28, label=f"{fam}: final")
    allb = np.array([r["bound_ref"] for r in cr])
    alld = np.array([r["res"]["disagreement_mean"] for r in cr] +
                    [r["res"]["lambda_final_disagreement"] for r in cr])
    lo = min(np.nanmin(allb), np.nanmin(alld[alld > 0])) / 2
    hi = max(np.nanmax(allb), np.nanmax(alld)) * 2
    axes[0].plot([lo, hi], [lo, hi], "k--", lw=0.8, label="measured = bound")
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("bound η G σ^K / (1 − σ^K)  [$/kWh]")
    axes[0].set_ylabel("measured disagreement ‖λ − λ̄1‖/√N  [$/kWh]")
    axes[0].legend(fontsize=7, ncol=2)
    axes[0].set_title("all consensus runs of (b)")
    for ai, fam in ((1, "ring"), (2, "grid")):
        ax = axes[ai]
        ps = params_of(fam)
        cmap = plt.get_cmap("viridis")
        for pi, p in enumerate(ps):
            rr = sorted([r for r in cr if r["family"] == fam and r["param"] == p],
                        key=lambda r: int(r["K"]))
            col = cmap(pi / max(len(ps) - 1, 1))
            x = [int(r["K"]) for r in rr]
            ax.plot(x, [r["res"]["disagreement_mean"] for r in rr], "o-", color=col, ms=3,
                    label=f"{p} measured (mean)")
            ax.plot(x, [r["bound_ref"] for r in rr], "--", color=col, lw=1, label=f"{p} bound")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("K = dual.rounds")
        ax.set_ylabel("[$/kWh]")
        ax.set_title(FAMILY_TITLES[fam], fontsize=10)
        ax.legend(fontsize=6, ncol=2)
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("(c) measured λ disagreement vs the steady-state bound (σ converged; G = largest "
                 "RMS disagreement of a dual step)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig_bound.png"), dpi=100)
    plt.close(fig)

    # markdown: (b) table of fulfilment / violation / disagreement by graph x K
    for mode in MIXING:
        mr = [r for r in runs if r["mode"] == mode]
        if not mr:
            continue
        for key, title, sc, spec in (("fulfilled", "fulfilment %", 100, ".2f"),
                                     ("violation_ratio", "share of steps over C", 1, ".3f"),
                                     ("avg_slack_ratio", "avg slack % of C", 100, "+.2f"),
                                     ("disagreement_mean", "λ disagreement (RMS, mean of 2nd half)",
                                      1, ".3g"),
                                     ("postponers", "postponers %", 100, ".1f")):
            md.append(f"\n### (b) {mode}: {title}\n\n")
            trs = []
            for fam, p in graphs:
                c = central.get((fam, p))
                row = [f"{fam} {p}", f"{sig[(fam, p)]['ref']:.5f}"]
                for K in Ks:
                    rr = [r for r in mr if (r["family"], r["param"]) == (fam, p) and int(r["K"]) == K]
                    row.append(fmt(sc * rr[0]["res"][key], spec) if rr else "–")
                row.append(fmt(sc * c["res"][key], spec) if c and key != "disagreement_mean" else "0")
                trs.append(row)
            md.append(md_table(["graph", "σ"] + [f"K={K}" for K in Ks] + ["central"], trs))

    # (c) table
    md.append("\n### (c) measured disagreement / bound (consensus)\n\n")
    trs = []
    for fam, p in graphs:
        row = [f"{fam} {p}"]
        for K in Ks:
            rr = [r for r in cr if (r["family"], r["param"]) == (fam, p) and int(r["K"]) == K]
            if rr:
                r = rr[0]
                row.append(f"{r['res']['disagreement_mean']:.3g} / {r['bound_ref']:.3g}")
            else:
                row.append("–")
        trs.append(row)
    md.append(md_table(["graph"] + [f"K={K}: measured / bound" for K in Ks], trs))
    nb = sum(1 for r in cr if r["res"]["disagreement_mean"] <= r["bound_ref"])
    nbf = sum(1 for r in cr if r["res"]["lambda_final_disagreement"] <= r["bound_ref"])
    nbr = sum(1 for r in cr if r["res"]["disagreement_mean"] <= r["res"]["disagreement_bound"])
    ratio = np.array([r["res"]["disagreement_mean"] / r["bound_ref"] for r in cr])
    md.append(f"\nmeasured (mean) / bound: min {ratio.min():.2e}, median {np.median(ratio):.2e}, "
              f"max {ratio.max():.2e}.\n")
    md.append(f"\nMean disagreement below the bound (converged σ) in {nb}/{len(cr)} consensus "
              f"runs, final disagreement in {nbf}/{len(cr)}; below the bound as printed by "
              f"samarl (the run's recursion B, σ from its Lanczos estimate) in {nbr}/{len(cr)}.\n")
    mix = [r for r in runs if r["mode"] in MIXING]
    nc = sum(1 for r in mix if r["res"]["contraction_max"] <= r["res"]["contraction_bound"] * (1 + 1e-9))
    dm = max(r["res"]["mixing_drift_max"] for r in mix)
    cm = np.array([r["res"]["contraction_max"] / r["res"]["contraction_bound"] for r in mix])
    md.append(f"\nThe per-epoch mixing check: every epoch's contraction at most σ^K in {nc}/{len(mix)} "
              f"runs that mix (largest contraction / σ^K: median {np.median(cm):.3f}, max "
              f"{cm.max():.3f}); the largest move of the mean by mixing {dm:.2g}.\n")

    # (d) gap tables
    for mode in MIXING:
        mr = [r for r in runs if r["mode"] == mode and "gap" in r]
        if not mr:
            continue
        md.append(f"\n### (d) {mode}: gap to the central oracle at K=5\n\n")
        trs = []
        for fam, p in graphs:
            rr = [r for r in mr if (r["family"], r["param"]) == (fam, p) and int(r["K"]) == 5]
            if not rr:
                continue
            g = rr[0]["gap"]
            c = central[(fam, p)]["res"]
            trs.append([f"{fam} {p}", f"{c['reward']:.4f}", f"{rr[0]['res']['reward']:.4f}",
                        f"{1000 * (rr[0]['res']['reward'] - c['reward']):+.2f}",
                        f"{g['reward']:+.3f}", f"{g['cost']:+.3f}", f"{g['slack']:+.3f}",
                        f"{g['fulfil']:+.3f}", f"{g['lambda_avg']:+.2f}",
                        f"{g['lambda_final']:+.2f}"])
        md.append(md_table(["graph", "r central", "r " + mode, "Δr m$/agent/h", "reward gap %", "energy cost gap %",
                            "slack gap (pp of C)", "fulfilment gap (pp)", "λ̄ gap % (2nd-half mean)",
                            "λ final gap %"], trs))
        for fset, fname in ((("ring", "rgg", "smallworld", "grid"), "synthetic loads"),
                            (("gridload",), "the grids' own loads")):
            sub = [r for r in mr if r["family"] in fset]
            if not sub:
                continue
            md.append(f"\n### (d) {mode}: largest |gap| over the graphs with {fname}, by K\n\n")
            trs = []
            for K in Ks:
                rr = [r for r in sub if int(r["K"]) == K]
                if not rr:
                    continue

                def mx(k):
                    i = int(np.argmax([abs(r["gap"][k]) for r in rr]))
                    return f"{rr[i]['gap'][k]:+.3f} ({rr[i]['family']} {rr[i]['param']})"

                def within(k):
                    return f"{sum(1 for r in rr if abs(r['gap'][k]) < 0.2)}/{len(rr)}"
                trs.append([K, mx("reward"), within("reward"), mx("cost"), within("cost"),
                            mx("slack"), mx("lambda_avg")])
            md.append(md_table(["K", "reward gap %", "graphs with reward gap within ±0.2%", "energy cost gap %",
                                "graphs with cost gap within ±0.2%", "slack gap pp of C", "λ̄ gap %"], trs))
    if failed:
        md.append("\n### failed runs\n\n" + "\n".join(f"- {r['id']}" for r in failed) + "\n")
    tw = sum(r["wall_s"] for r in rows)
    md.append(f"\nSweep: {len(rows)} runs ({len(failed)} failed), {tw:.0f} s wall in total; "
              f"slowest: " + ", ".join(f"{r['id']} {r['wall_s']:.1f}s" for r in
                                       sorted(rows, key=lambda r: -r["wall_s"])[:3]) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="results/paper")
    ap.add_argument("--grids", default=os.environ.get("GRIDS", os.path.join(os.environ.get("SAMARL_SHARED", "../shared"), "data/grids")))
    a = ap.parse_args()
    md = ["# Tables of the paper experiments (generated by scripts/experiments/analyze.py)\n"]
    modes = read_manifest(os.path.join(a.out, "manifest_modes.csv"))
    do_modes(modes, a.out, md)
    if modes:
        md.append(f"\nModes: {len(modes)} runs, {sum(r['wall_s'] for r in modes):.0f} s wall in "
                  "total.\n")
    tl = os.path.join(a.out, "train_p1000.log")
    if os.path.exists(tl):
        with open(tl) as f:
            md.append("\nTraining: " + "; ".join(l.strip() for l in f
                                                 if l.startswith(("trained", "training wall",
                                                                  "final augmented")))
                      + "\n")
    sweep = read_manifest(os.path.join(a.out, "manifest_sweep.csv"))
    do_sweep(sweep, a.out, md, a.grids)
    with open(os.path.join(a.out, "tables.md"), "w") as f:
        f.write("".join(md))
    print("wrote", os.path.join(a.out, "tables.md"))


if __name__ == "__main__":
    sys.exit(main())
