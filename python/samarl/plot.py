"""Figures of samarl output files, from the Datasets of ``samarl.open``.

``figure(ds)`` draws the natural figure of any kind of file and
``compare(runs, labels)`` draws runs on shared axes. Both return a
matplotlib Figure (made without pyplot, so they work under any backend and
in scripts without a display): save it with ``fig.savefig("fig.png")``.
"""
import os

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .io import STEPS_PER_DAY, config

# Runs on shared axes differ in colour and in line style, so that lines that
# coincide (consensus beside the central oracle) all stay visible: seven
# colours (Okabe-Ito, without yellow) and four styles, 28 runs before a pair
# repeats.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
DASHES = ["-", "--", "-.", ":"]
# Trailing windows of one day (the whole run if shorter) smooth out the daily
# price cycle; the first day, with no full window, is left blank.
WINDOW = STEPS_PER_DAY
# Panel titles of a policy's training statistics, in the order drawn;
# statistics not named here follow under their own names.
STATS = {"aug_reward": "training augmented reward", "entropy": "policy entropy",
         "value_loss": "value loss", "approx_kl": "approximate KL divergence",
         "clip_frac": "clipped fraction", "lambda": "multiplier λ"}


def figure(ds):
    """The natural figure of a samarl Dataset, by its kind (ds.attrs["kind"])."""
    draw = {"run": run_figure, "policy": policy_figure, "consensus": consensus_figure}
    return draw[ds.attrs["kind"]](ds)


def run_figure(ds):
    """A run over days: the multiplier (mean, min-max band across agents), the
    slack as a share of capacity (hourly and its 24 h mean) and the essential
    demand served (served / arrived over a trailing 24 h window)."""
    w = _window([ds])
    fig, axes = _run_axes(w)
    days = _days(ds)
    style = dict(color=COLORS[0], ls="-", lw=1.6)
    axes[0].plot(days, ds.lambda_mean, label="mean across agents", **style)
    axes[0].fill_between(days, ds.lambda_min, ds.lambda_max, color=COLORS[0], alpha=0.15, lw=0,
                         label="min–max across agents")
    axes[0].set_ylabel(_label("multiplier λ", ds.lambda_mean))
    axes[1].plot(days, _slack_percent(ds), color=COLORS[0], lw=0.6, alpha=0.4, label="hourly")
    axes[1].plot(days, _slack_mean(ds, w), label=f"{w} h mean", **style)
    axes[1].set_ylabel("slack = usage − C (% of C)")
    axes[2].plot(days, _served_percent(ds, w), label=f"served / arrived over {w} h", **style)
    axes[0].set_title(f"{_name(ds)}: dual.mode = {config(ds)['dual.mode']}, {_who(ds)}", fontsize=9)
    for ax in axes:
        ax.legend(fontsize=8, loc="best")
    return fig


def compare(runs, labels):
    """Runs on the axes of run_figure, one colour and line style per run,
    labelled by labels: the mean multiplier without its band (a local rule's
    spans far beyond the others), the slack's 24 h mean and the served share."""
    w = _window(runs)
    fig, axes = _run_axes(w)
    for i, (ds, label) in enumerate(zip(runs, labels)):
        style = dict(color=COLORS[i % len(COLORS)], ls=DASHES[i % len(DASHES)], lw=1.6)
        days = _days(ds)
        axes[0].plot(days, ds.lambda_mean, label=label, **style)
        axes[1].plot(days, _slack_mean(ds, w), **style)
        axes[2].plot(days, _served_percent(ds, w), **style)
    axes[0].set_ylabel(_label("mean multiplier λ", runs[0].lambda_mean))
    axes[1].set_ylabel(f"slack = usage − C,\n{w} h mean (% of C)")
    axes[0].set_title("; ".join(sorted({_who(ds) for ds in runs})), fontsize=9)
    axes[0].legend(fontsize=8, ncol=2 if len(runs) > 3 else 1, loc="best")
    return fig


def policy_figure(ds):
    """The training curve: the augmented return at the fixed evaluation
    multipliers (the honest progress signal), then every per-iteration
    statistic of the file, one panel each."""
    stats = sorted((v for v in ds.data_vars if ds[v].dims == ("iteration",)),
                   key=lambda v: list(STATS).index(v) if v in STATS else len(STATS))
    seq = "position_adv_variance" in ds  # a sequential trainer's per-position record
    n = len(stats) + 1 + 2 * seq
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.9 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    ax = axes[0]
    if "eval_return" in ds and ds.sizes["eval_iteration"] > 0:
        for i, lam in enumerate(ds.eval_lambda.values):
            ax.plot(ds.eval_iteration, ds.eval_return.sel(eval_lambda=lam),
                    color=COLORS[i % len(COLORS)], ls=DASHES[i % len(DASHES)],
                    marker=_marker(ds.sizes["eval_iteration"]),
                    label=f"λ = {lam:g} {_units(ds.eval_lambda)}")
        ax.set_ylabel(_units(ds.eval_return))
        ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    else:
        ax.text(0.5, 0.5, "no evaluations in this file\n(train.eval_every = 0)", ha="center",
                va="center", transform=ax.transAxes, fontsize=9)
    ax.set_title("augmented return at fixed λ", fontsize=9)
    for ax, name in zip(axes[1:], stats):
        ax.plot(ds.iteration, ds[name], color=COLORS[0], marker=_marker(ds.sizes["iteration"]))
        ax.set_title(STATS.get(name, name), fontsize=9)
        ax.set_ylabel(_units(ds[name]))
    if seq:  # what the factor does: the weighted advantage's variance by position
        v = ds.position_adv_variance
        ax = axes[len(stats) + 1]
        ax.semilogy(ds.iteration, v.isel(position=0), color=COLORS[0], label="first position")
        ax.semilogy(ds.iteration, v.isel(position=-1), color=COLORS[1], ls="--",
                    label="last position")
        ax.set_title("variance of the weighted advantage", fontsize=9)
        ax.legend(fontsize=7)
        ax = axes[len(stats) + 2]
        ax.semilogy(ds.position, v.median("iteration"), color=COLORS[0], label="variance (median)")
        ax.semilogy(ds.position, ds.position_max_factor.max("iteration"), color=COLORS[1],
                    ls="--", label="largest factor")
        ax.set_title("by position in the update order", fontsize=9)
        ax.set_xlabel("position")
        ax.legend(fontsize=7)
    for ax in axes[:len(stats) + 1 + seq]:
        ax.set_xlabel("iteration")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{_name(ds)}: {config(ds)['train.algo']}, {ds.attrs['n_agents']} agents, "
                 f"policy.sharing = {ds.attrs['sharing']}, {ds.attrs['iterations']} iterations",
                 fontsize=10)
    return fig


def consensus_figure(ds):
    """Disagreement per round on a log scale, beside the sigma^r d0 envelope
    it must stay under."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(ds["round"], ds.disagreement, color=COLORS[0], marker=_marker(ds.sizes["round"]),
                ms=3, label=r"measured $\Vert x - \bar{x} \Vert / \sqrt{N}$")
    if np.isfinite(ds.bound.values).all():
        sigma = ds.attrs["consensus_sigma"]
        ax.semilogy(ds["round"], ds.bound, color=COLORS[1], ls="--",
                    label=rf"envelope $\sigma^r d_0$, $\sigma$ = {sigma:.5f}")
    ax.set_xlabel("consensus round")
    ax.set_ylabel(_label("disagreement", ds.disagreement))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{_name(ds)}: {ds.attrs['graph_name']}, {ds.attrs['n_agents']} agents, "
                 f"{ds.attrs['n_ranks']} ranks", fontsize=9)
    return fig


# ---- helpers --------------------------------------------------------------------


def _run_axes(w):
    """The three stacked panels of a run, with capacity (slack 0) and 100%
    served marked; w the window in steps."""
    fig = Figure(figsize=(7, 7.5), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    axes[1].axhline(0, color="0.3", lw=0.8)
    axes[2].axhline(100, color="0.3", lw=0.8)
    axes[2].set_ylabel(f"essential demand served,\n{w} h window (%)")
    axes[2].set_xlabel("time (days)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.margins(x=0)
    return fig, axes


def _days(ds):
    return ds.step / STEPS_PER_DAY


def _slack_percent(ds):
    return 100 * ds.slack / ds.capacity


def _window(runs):
    """The moving window in steps: a day, or the shortest run if shorter."""
    return min(WINDOW, *(ds.sizes["step"] for ds in runs))


def _slack_mean(ds, w):
    return _slack_percent(ds).rolling(step=w).mean()


def _served_percent(ds, w):
    """Served / arrived essential demand over the trailing w steps, in %: a
    ratio of sums, so that hours with little demand weigh little."""
    return 100 * ds.served.rolling(step=w).sum() / ds.arrived.rolling(step=w).sum()


def _label(text, var):
    """An axis label with the variable's units."""
    units = _units(var)
    return f"{text} ({units})" if units else text


def _units(var):
    """The variable's units for a label: "" for a pure number ("1"), "$"
    escaped (two would start matplotlib's math mode)."""
    units = var.attrs.get("units", "")
    return "" if units == "1" else units.replace("$", r"\$")


def _marker(n):
    """Markers where there are few points, so that a single one shows."""
    return "o" if n <= 25 else None


def _name(ds):
    return os.path.basename(ds.attrs["source"])


def _who(ds):
    return f"{ds.attrs['n_agents']} agents, policy {ds.attrs['policy_type']}"
