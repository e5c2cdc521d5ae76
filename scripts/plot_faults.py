#!/usr/bin/python3
"""Tables and figures of the communication-fault sweep (results/faults).

With --manifest (written by scripts/experiments/faults.sh) it first reads
every run's JSON summary and run.h5 /series and writes
  faults.csv                one row per run: the fault settings and metrics
  series.csv                per-step series of a few runs (first seed):
                            consensus disagreement for a few p, tracking slack / C
then, from those two files (points: mean over the seeds, bars: min to max),
  fig_link_drop.png         metrics against faults.link_drop p
  fig_dropout.png           metrics against faults.agent_dropout q
  fig_series.png            those series, daily means
  tables.md                 the README's tables (means over the seeds)

usage: /usr/bin/python3 scripts/plot_faults.py [--manifest M.csv] [--out results/faults]
"""
import argparse
import csv
import json
import os

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = ["mode", "seed", "link_drop", "agent_dropout", "dropout_rounds", "stale", "fulfilled",
           "avg_slack_ratio", "violation_ratio", "postponers", "disagreement_mean",
           "lambda_mean", "lambda_final_mean", "wall_s"]
# (column, axis label, scale) of the metric panels
METRICS = [("fulfilled", "fulfilment (served / arrived) %", 100.0),
           ("avg_slack_ratio", "average slack % of C", 100.0),
           ("violation_ratio", "share of steps over C", 1.0),
           ("disagreement_mean", "lambda disagreement (RMS, $/kWh)", 1.0),
           ("lambda_mean", "mean lambda, 2nd half ($/kWh)", 1.0),
           ("postponers", "postponers (share of agents)", 1.0)]
MODE_STYLE = {"consensus": ("tab:blue", "o"), "tracking": ("tab:green", "s")}
FAULTS = ("link_drop", "agent_dropout", "stale")
DIS_PS = ["0", "0.1", "0.4", "0.8"]          # consensus disagreement series
SLACK_RUNS = [("0", "0"), ("0.05", "0"), ("0.2", "0"), ("0", "0.5")]  # tracking (p, s)


def collect(manifest, out):
    """faults.csv and disagreement_series.csv from the runs of a manifest."""
    import h5py
    rows, series = [], {}
    first_seed = None
    with open(manifest) as f:
        for r in csv.DictReader(f):
            if r["status"] != "ok":
                print("skipping failed run", r["id"])
                continue
            tags = dict(kv.split("=", 1) for kv in r["tags"].split(";"))
            first_seed = first_seed or tags["seed"]
            res = json.load(open(r["json"]))["results"]
            h5 = r["json"][:-5] + ".h5"
            with h5py.File(h5, "r") as h:
                lam = h["series/lambda_mean"][:]
                dis = h["series/disagreement"][:]
                slack = h["series/slack"][:] / h["series/capacity"][:]
                dr = int(h.attrs["faults_dropout_rounds"])
                assert abs(h.attrs["faults_link_drop"] - float(tags["p"])) < 1e-12
                assert abs(h.attrs["faults_agent_dropout"] - float(tags["q"])) < 1e-12
                assert abs(h.attrs["faults_stale"] - float(tags["s"])) < 1e-12
            half = len(lam) // 2
            rows.append({"mode": tags["mode"], "seed": tags["seed"], "link_drop": tags["p"], "agent_dropout": tags["q"],
                         "dropout_rounds": dr, "stale": tags["s"],
                         "fulfilled": res["fulfilled"], "avg_slack_ratio": res["avg_slack_ratio"],
                         "violation_ratio": res["violation_ratio"],
                         "postponers": res["postponers"],
                         "disagreement_mean": res["disagreement_mean"],
                         "lambda_mean": float(np.mean(lam[half:])),
                         "lambda_final_mean": res["lambda_final_mean"], "wall_s": r["wall_s"]})
            if tags["seed"] != first_seed or tags["q"] != "0":
                continue
            if tags["mode"] == "consensus" and tags["s"] == "0" and tags["p"] in DIS_PS:
                series["consensus disagreement p=" + tags["p"]] = dis
            if tags["mode"] == "local":
                series["local disagreement"] = dis
            if tags["mode"] == "tracking" and (tags["p"], tags["s"]) in SLACK_RUNS:
                series["tracking slack/C p=%s s=%s" % (tags["p"], tags["s"])] = slack
    with open(os.path.join(out, "faults.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    names = sorted(series)
    with open(os.path.join(out, "series.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step"] + names)
        for t in range(len(series[names[0]])):
            w.writerow([t] + ["%.6g" % series[n][t] for n in names])


def read_rows(out):
    """faults.csv averaged over the seeds: one dict per (mode, faults), each
    metric m as r[m] (mean), r[m + "_lo"], r[m + "_hi"] (min, max), and
    r["seeds"]."""
    groups = {}
    with open(os.path.join(out, "faults.csv")) as f:
        for r in csv.DictReader(f):
            key = (r["mode"],) + tuple(float(r[k]) for k in FAULTS)
            groups.setdefault(key, []).append(r)
    rows = []
    for key, rs in groups.items():
        a = {"mode": key[0], "seeds": len(rs)}
        a.update(zip(FAULTS, key[1:]))
        for k in COLUMNS[6:]:
            v = np.array([float(r[k]) for r in rs])
            a[k], a[k + "_lo"], a[k + "_hi"] = v.mean(), v.min(), v.max()
        a["dropout_rounds"] = float(rs[0]["dropout_rounds"])
        rows.append(a)
    return rows


def axis(rows, mode, key):
    """The runs of a mode along one fault axis (the others 0), sorted."""
    others = [k for k in FAULTS if k != key]
    sel = sorted((r for r in rows if r["mode"] == mode and all(r[k] == 0 for k in others)),
                 key=lambda r: r[key])
    return sel


def ref(rows, mode):
    return next((r for r in rows if r["mode"] == mode), None)


def plot_axis(rows, key, label, path):
    fig, axs = plt.subplots(2, 3, figsize=(13, 7))
    local, central = ref(rows, "local"), ref(rows, "central")
    for ax, (m, title, sc) in zip(axs.flat, METRICS):
        for mode, (col, mk) in MODE_STYLE.items():
            sel = axis(rows, mode, key)
            if sel:
                y = np.array([sc * r[m] for r in sel])
                err = [y - [sc * r[m + "_lo"] for r in sel], [sc * r[m + "_hi"] for r in sel] - y]
                ax.errorbar([r[key] for r in sel], y, yerr=err, marker=mk, color=col, capsize=3,
                            label=mode)
        if local:
            ax.axhline(sc * local[m], color="tab:red", ls="--", lw=1, label="local (no messages)")
        if central:
            ax.axhline(sc * central[m], color="k", ls=":", lw=1, label="central (oracle)")
        ax.set_xlabel(label)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    axs[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_series(out):
    with open(os.path.join(out, "series.csv")) as f:
        r = csv.reader(f)
        head = next(r)
        data = np.array([[float(v) for v in row] for row in r])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 4.8))
    day = 24
    for k, name in enumerate(head[1:], start=1):
        y = data[:, k]
        n = len(y) // day * day
        daily = y[:n].reshape(-1, day).mean(axis=1)  # daily means: the hourly swing hides trends
        x = np.arange(len(daily)) + 0.5
        if "disagreement" in name:
            local = name.startswith("local")
            a1.plot(x, daily, marker=".", color="tab:red" if local else None,
                    ls="--" if local else "-",
                    label="local" if local else "consensus, link_drop " + name.split("p=")[1])
        else:
            p, s = name.split("p=")[1].split(" s=")
            a2.plot(x, 100 * daily, marker=".", label="tracking, link_drop %s, stale %s" % (p, s))
    a1.set_ylabel("lambda disagreement, daily mean ($/kWh)")
    a1.set_yscale("log")
    a1.set_title("consensus: disagreement under link loss", fontsize=10)
    a2.set_ylabel("slack % of C, daily mean")
    a2.axhline(0, color="k", lw=0.8)
    a2.set_title("tracking: lost or mixed-late messages bias the slack estimate", fontsize=10)
    for ax in (a1, a2):
        ax.set_xlabel("day")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig_series.png"), dpi=120)
    plt.close(fig)


def fmt_row(r, key):
    return "| %s | %g | %.2f | %+.2f | %.3f | %.4f | %.4g | %.4f | %.4f |" % (
        r["mode"], r[key], 100 * r["fulfilled"], 100 * r["avg_slack_ratio"], r["violation_ratio"],
        r["postponers"], r["disagreement_mean"], r["lambda_mean"], r["lambda_final_mean"])


def tables(rows, out):
    head = ("| mode | %s | fulfilment %% | slack %% of C | steps over C | postponers | "
            "disagreement | lambda mean (2nd half) | lambda final |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines = []
    for key, title in (("link_drop", "link_drop p"), ("agent_dropout", "agent_dropout q"),
                       ("stale", "stale s")):
        lines.append("**%s** (mean of %d seeds)\n\n" % (title, rows[0]["seeds"])
                     + head % key.replace("_", " "))
        for mode in ("consensus", "tracking"):
            lines += [fmt_row(r, key) for r in axis(rows, mode, key)]
        lines.append("")
    lines.append("**references (no faults)**\n\n" + head % "-")
    lines += [fmt_row(r, "link_drop") for m in ("local", "central") for r in rows
              if r["mode"] == m]
    with open(os.path.join(out, "tables.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", help="manifest of faults.sh: collect the runs first")
    ap.add_argument("--out", default="results/faults")
    a = ap.parse_args()
    if a.manifest:
        collect(a.manifest, a.out)
    rows = read_rows(a.out)
    plot_axis(rows, "link_drop", "link_drop p (share of messages lost)",
              os.path.join(a.out, "fig_link_drop.png"))
    plot_axis(rows, "agent_dropout", "agent_dropout q (silent per %d-round window)"
              % int(rows[0]["dropout_rounds"]), os.path.join(a.out, "fig_dropout.png"))
    plot_series(a.out)
    tables(rows, a.out)
    print("wrote", ", ".join(os.path.join(a.out, f) for f in (
        "faults.csv", "series.csv", "fig_link_drop.png", "fig_dropout.png", "fig_series.png",
        "tables.md")))


if __name__ == "__main__":
    main()
