#!/usr/bin/python3
"""Tables and figures of the scaling benchmark (bench/scaling.sh).

    plot_scaling.py scaling.csv OUTDIR [--note TEXT] [--readme README.md]

Writes OUTDIR/scaling.md (efficiency tables, one per kind and scaling, with
each phase's mean time and its min-max over ranks) and, where matplotlib is
installed, OUTDIR/scaling_strong.png and OUTDIR/scaling_weak.png: parallel
efficiency and agent-steps/s per core against ranks (top), and for each
case the wall time of the loop split into its phases (stacked mean over
ranks, whiskers from the fastest to the slowest rank of each phase).
Oversubscribed rows (more ranks than cores: correctness runs) are listed in
the tables with their bit-identity verdict but get no efficiency and stay
out of the figures. With --readme, a compact table (no phases) replaces the
text between <!-- scaling:begin --> and <!-- scaling:end --> in that file,
if it has both markers (otherwise the file is left alone)."""
import csv
import importlib.util
import os
import sys

# Phases that add up to the loop's wall time (nested ones noted apart).
RUN_PHASES = ["policy", "env", "dual", "consensus", "reduce", "io"]
TRAIN_PHASES = ["collect", "update", "eval", "reduce", "io"]
COLORS = {"policy": "#4c72b0", "env": "#55a868", "dual": "#c44e52", "consensus": "#8172b2",
          "reduce": "#ccb974", "io": "#64b5cd", "collect": "#4c72b0", "update": "#dd8452",
          "eval": "#55a868"}


def num(x):
    return float(x) if x not in ("", None) else None


def phases_of(kind, rows):
    names = RUN_PHASES if kind == "run" else TRAIN_PHASES
    return [ph for ph in names if any(num(r.get(ph + "_avg_s")) is not None for r in rows)]


def cell(r, ph):
    a, lo, hi = (num(r.get(f"{ph}_{k}_s")) for k in ("avg", "min", "max"))
    if a is None:
        return ""
    if hi - lo < 5e-4:
        return f"{a:.3f}"
    return f"{a:.3f} ({lo:.3f}–{hi:.3f})"


def table(rows, kind, sc):
    sel = [r for r in rows if r["kind"] == kind and r["scaling"] == sc]
    if not sel:
        return []
    phs = phases_of(kind, sel)
    extra = ["halo"] if kind == "run" and any(num(r.get("halo_avg_s")) is not None for r in sel) else []
    what = "execution (samarl run)" if kind == "run" else "training (samarl train)"
    size = ("fixed total N" if sc == "strong" else "fixed agents per rank")
    out = [f"### {sc.capitalize()} scaling, {what}: {size}", ""]
    head = ["policy", "ranks", "agents", "wall (s)", "agent-steps/s", "per core", "efficiency"]
    head += [f"{ph} (s)" for ph in phs] + [f"{ph} (s, in consensus)" for ph in extra]
    head += ["bit-identical"] if sc == "strong" else []
    out.append("| " + " | ".join(head) + " |")
    out.append("|---|" + "---:|" * (len(head) - 1))
    for r in sel:
        over = r["oversubscribed"] == "1"
        eff = "oversubscribed" if over else (f"**{float(r['efficiency']):.2f}**" if r["efficiency"] else "")
        line = [r["policy"], r["ranks"], f"{int(r['agents']):,}", f"{float(r['wall_s']):.3f}",
                f"{float(r['agent_steps_per_s']):,.0f}", f"{float(r['per_core']):,.0f}", eff]
        line += [cell(r, ph) for ph in phs + extra]
        if sc == "strong":
            line.append({"1": "yes", "0": "**NO**"}.get(r["identical"], "(reference)"))
        out.append("| " + " | ".join(line) + " |")
    out.append("")
    return out


def write_md(rows, path, note):
    md = ["# Scaling (`bench/scaling.sh`)", ""]
    if note:
        md += [f"Measured on {note}.", ""]
    md += ["Efficiency against the smallest timed rank count P0: strong P0 T(P0) / (P T(P)), weak",
           "T(P0) / T(P), on the wall time of the step (run) or training (train) loop. Phase",
           "columns: mean over ranks (fastest–slowest rank), seconds. Oversubscribed rows (more",
           "ranks than cores) only check that the output is bit-identical to the P0 run.", ""]
    for sc in ("strong", "weak"):
        for kind in ("run", "train"):
            md += table(rows, kind, sc)
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        f.write("\n".join(md))
    os.replace(tmp, path)


def readme_table(rows, path):
    b, e = "<!-- scaling:begin -->", "<!-- scaling:end -->"
    text = open(path).read()
    if b not in text or e not in text:
        return
    out = ["| kind | policy | scaling | ranks | agents | wall (s) | agent-steps/s per core | efficiency | bit-identical |",
           "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        over = r["oversubscribed"] == "1"
        eff = "oversubscribed" if over else (f"**{float(r['efficiency']):.2f}**" if r["efficiency"] else "")
        ident = {"1": "yes", "0": "**NO**"}.get(r["identical"], "")
        out.append(f"| {r['kind']} | {r['policy']} | {r['scaling']} | {r['ranks']} | {int(r['agents']):,} | "
                   f"{float(r['wall_s']):.3f} | {float(r['per_core']):,.0f} | {eff} | {ident} |")
    text = text[:text.index(b) + len(b)] + "\n" + "\n".join(out) + "\n" + text[text.index(e):]
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def figure(rows, sc, path, note):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sel = [r for r in rows if r["scaling"] == sc and r["oversubscribed"] != "1"]
    cases = []
    for r in sel:
        if (r["kind"], r["policy"]) not in cases:
            cases.append((r["kind"], r["policy"]))
    ncol = max(2, len(cases))
    fig = plt.figure(figsize=(4.2 * ncol, 8.2))
    gs = fig.add_gridspec(2, 2 * ncol)
    ax_e = fig.add_subplot(gs[0, :ncol])
    ax_r = fig.add_subplot(gs[0, ncol:])
    allp = sorted({int(r["ranks"]) for r in sel}) or [1]
    markers = "osD^v<>"
    for i, (kind, pol) in enumerate(cases):
        cr = sorted((r for r in sel if (r["kind"], r["policy"]) == (kind, pol)), key=lambda r: int(r["ranks"]))
        p = [int(r["ranks"]) for r in cr]
        lab = f"{kind}, {pol}"
        e = [(x, float(r["efficiency"])) for x, r in zip(p, cr) if r["efficiency"]]
        if e:
            ax_e.plot(*zip(*e), "-" + markers[i % len(markers)], label=lab)
        ax_r.plot(p, [float(r["per_core"]) for r in cr], "-" + markers[i % len(markers)], label=lab)
    for ax in (ax_e, ax_r):
        ax.set_xscale("log", base=2)
        ax.set_xticks(allp)
        ax.set_xticklabels([str(x) for x in allp])
        ax.set_xlabel("ranks")
        ax.grid(alpha=0.3)
    ax_e.axhline(1.0, color="k", lw=0.8, ls="--", label="ideal")
    ax_e.set_ylim(0, max(1.2, max((float(r["efficiency"]) for r in sel if r["efficiency"]), default=1) * 1.1))
    ax_e.set_ylabel("parallel efficiency")
    ax_e.set_title(f"{sc} scaling: efficiency vs P0 = {allp[0]} rank(s)")
    ax_e.legend(fontsize=8)
    ax_r.set_yscale("log")
    ax_r.set_ylabel("agent-steps/s per core")
    ax_r.set_title("throughput per core (flat = ideal)")
    ax_r.legend(fontsize=8)
    for i, (kind, pol) in enumerate(cases):
        ax = fig.add_subplot(gs[1, 2 * i * ncol // len(cases): 2 * (i + 1) * ncol // len(cases)])
        cr = sorted((r for r in sel if (r["kind"], r["policy"]) == (kind, pol)), key=lambda r: int(r["ranks"]))
        phs = phases_of(kind, cr)
        xs = list(range(len(cr)))
        bottom = [0.0] * len(cr)
        walls = [float(r["wall_s"]) for r in cr]
        for j, ph in enumerate(phs):
            avg = [num(r.get(ph + "_avg_s")) or 0.0 for r in cr]
            lo = [num(r.get(ph + "_min_s")) or 0.0 for r in cr]
            hi = [num(r.get(ph + "_max_s")) or 0.0 for r in cr]
            ax.bar(xs, avg, 0.6, bottom=bottom, color=COLORS.get(ph), label=ph, edgecolor="white", lw=0.5)
            top = [b + a for b, a in zip(bottom, avg)]
            # Whiskers only where the ranks differ visibly (> 1% of the wall).
            wk = [k for k in xs if hi[k] - lo[k] > 0.01 * walls[k]]
            if wk:
                ax.errorbar([k - 0.2 + 0.4 * j / max(1, len(phs) - 1) for k in wk], [top[k] for k in wk],
                            yerr=[[avg[k] - lo[k] for k in wk], [hi[k] - avg[k] for k in wk]],
                            fmt="none", ecolor="k", elinewidth=0.9, capsize=2.5)
            bottom = top
        ax.hlines(walls, [x - 0.36 for x in xs], [x + 0.36 for x in xs], colors="r", linestyles="--", lw=1.4,
                  label="loop wall time")
        ax.set_ylim(0, 1.35 * max(walls + bottom))
        ax.set_xlim(-0.6, len(cr) - 0.4)
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{r['ranks']}\n{int(r['agents']):,}" for r in cr], fontsize=8)
        ax.set_xlabel("ranks / agents")
        ax.set_ylabel("seconds")
        ax.set_title(f"{kind}, {pol}: time per phase", fontsize=10)
        ax.legend(fontsize=7, ncol=4, loc="upper center", handlelength=1.2, columnspacing=0.8)
        ax.grid(axis="y", alpha=0.3)
    over = sum(1 for r in rows if r["scaling"] == sc and r["oversubscribed"] == "1")
    foot = ("bars: mean over ranks of each phase, stacked; whiskers: fastest to slowest rank; "
            "dashed: wall time of the loop")
    if over:
        foot += f"; {over} oversubscribed correctness run(s) not shown"
    fig.text(0.5, 0.005, foot, ha="center", fontsize=8)
    if note:
        fig.suptitle(note, fontsize=8, y=0.995)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    tmp = path + ".partial.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)
    plt.close(fig)


def main():
    args = sys.argv[1:]
    opts = {"--note": "", "--readme": ""}
    for k in opts:
        if k in args:
            i = args.index(k)
            opts[k] = args[i + 1]
            del args[i:i + 2]
    note = opts["--note"]
    if len(args) != 2:
        sys.exit(__doc__)
    src, outdir = args
    rows = list(csv.DictReader(open(src)))
    write_md(rows, os.path.join(outdir, "scaling.md"), note)
    if opts["--readme"]:
        readme_table(rows, opts["--readme"])
    if importlib.util.find_spec("matplotlib") is None:
        print("plot_scaling.py: no matplotlib, no figures", file=sys.stderr)
        return
    for sc in ("strong", "weak"):
        if any(r["scaling"] == sc for r in rows):
            figure(rows, sc, os.path.join(outdir, f"scaling_{sc}.png"), note)


if __name__ == "__main__":
    main()
