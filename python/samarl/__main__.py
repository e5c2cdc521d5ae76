"""python3 -m samarl: plot, compare and describe samarl output files."""
import argparse
import os
import sys

import xarray as xr

from . import io, plot

DESCRIPTION = """\
Figures and summaries of the HDF5 files samarl writes: a run (samarl run -o
run.h5), a policy (samarl train -o policy.h5) or a consensus study (samarl
consensus -o study.h5). The kind is read from the file.

commands:
  plot FILE -o FIG        the file's natural figure: a run's multiplier (mean,
                          min-max band), slack as % of capacity and demand
                          served over days; a policy's training curve; a
                          study's disagreement per round (log scale)
  compare RUN... -o FIG   runs on the same axes (multiplier, slack % of C,
                          served %), labelled by their dual.mode or --labels
  info FILE               the file as an xarray Dataset (dimensions,
                          coordinates, variables, attributes)

The figure's format follows FIG's extension (.png, .pdf, .svg).
In Python: ds = samarl.open("run.h5") (see python/README.md)."""

EXAMPLES = """\
examples:
  python3 -m samarl plot run.h5 -o run.png
  python3 -m samarl compare local.h5 central.h5 consensus.h5 -o modes.pdf
  python3 -m samarl compare a.h5 b.h5 --labels "K = 5" "K = 50" -o k.png
  python3 -m samarl info policy.h5"""


def main(argv=None):
    """Run the command line and return its exit status: 0 done, 1 a file that
    cannot be read or written; bad usage exits with 2 (argparse)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "compare" and args.labels and len(args.labels) != len(args.files):
        parser.error(f"compare: {len(args.labels)} labels for {len(args.files)} files")
    try:
        args.run(args)
    except (ValueError, OSError) as e:
        print(f"samarl: {e}", file=sys.stderr)
        return 1
    return 0


def _plot(args):
    _save(plot.figure(io.open_dataset(args.file)), args.output)


def _compare(args):
    runs = [io.open_dataset(p) for p in args.files]
    for ds in runs:
        if ds.attrs["kind"] != "run":
            raise ValueError(f"{ds.attrs['source']} is a {ds.attrs['kind']} file; compare takes "
                             "run files (samarl run -o)")
    _save(plot.compare(runs, args.labels or _default_labels(runs)), args.output)


def _info(args):
    with io.open_dataset(args.file) as ds, \
            xr.set_options(display_max_rows=1000, display_width=100):
        print(ds)


def _default_labels(runs):
    """Each run's dual.mode, with the file name added where modes repeat."""
    names = [os.path.basename(ds.attrs["source"]) for ds in runs]
    modes = [io.config(ds).get("dual.mode") or name for ds, name in zip(runs, names)]
    return [m if modes.count(m) == 1 else f"{m} ({name})" for m, name in zip(modes, names)]


def _save(fig, path):
    fig.savefig(path, dpi=150)
    print(f"wrote {path}")


def _parser():
    p = argparse.ArgumentParser(prog="python3 -m samarl", description=DESCRIPTION,
                                epilog=EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           help="plot, compare or info (above); python3 -m samarl COMMAND --help")
    output = dict(required=True, metavar="FIG", help="the figure to write (.png, .pdf, .svg)")
    c = sub.add_parser("plot", description="The natural figure of a run, policy or consensus file.")
    c.add_argument("file", metavar="FILE", help="a samarl run, policy or consensus .h5 file")
    c.add_argument("-o", "--output", **output)
    c.set_defaults(run=_plot)
    c = sub.add_parser("compare", description="Runs side by side on the same axes: the mean "
                       "multiplier, the slack as % of capacity and the essential demand served "
                       "(24 h means).")
    c.add_argument("files", nargs="+", metavar="RUN", help="samarl run files (samarl run -o)")
    c.add_argument("-o", "--output", **output)
    c.add_argument("--labels", nargs="+", metavar="LABEL",
                   help="one legend label per run (default: each run's dual.mode)")
    c.set_defaults(run=_compare)
    c = sub.add_parser("info", description="Print the file as an xarray Dataset.")
    c.add_argument("file", metavar="FILE", help="a samarl run, policy or consensus .h5 file")
    c.set_defaults(run=_info)
    return p


if __name__ == "__main__":
    sys.exit(main())
