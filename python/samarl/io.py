"""Read samarl's HDF5 output files as xarray Datasets.

samarl writes three kinds of file, told apart by the root attribute
``format``: a run (``samarl run -o run.h5``), a policy (``samarl train -o
policy.h5``) and a consensus study (``samarl consensus -o study.h5``).
``open_dataset`` turns each into one Dataset with named dimensions and
coordinates, so that a script selects by step, agent id, iteration or round
instead of by array position, and never has to know the HDF5 layout.

What carries over from the file:

* every attribute of a dataset goes into its variable's attrs (``units``,
  ``description``), with ``hdf5_path`` naming where it came from;
* the root attributes (identity, ``config`` text, ...) go into ``ds.attrs``
  as they are, and each group's attributes with the group's name as prefix
  (``/summary`` -> ``summary_fulfilled``, ``/graph`` -> ``graph_sigma``);
* datasets that are not variables (a policy's weights) are listed with
  their type and shape in ``ds.attrs["datasets_not_loaded"]``.

Values are the file's, bit for bit, in the file's dtype. Run trajectories
(``/traj``, up to steps x agents floats) are read lazily, when indexed or
loaded: such a Dataset holds the file open until ``ds.close()`` (or the end
of a ``with samarl.open(path) as ds:`` block).
"""
import os

import h5py
import numpy as np
import xarray as xr
from xarray.core import indexing

# The root attribute ``format`` of each kind of file, and the newest
# ``format_version`` of it that this reader knows.
FORMATS = {"samarl-run": "run", "samarl-policy": "policy", "samarl-consensus": "consensus"}
FORMAT_VERSION = 1

# samarl run counts a day as 24 steps (run.days x 24; run.steps is in hours)
# and DR-v1 steps are hours. The file does not record a step length.
STEPS_PER_DAY = 24


def open_dataset(path):
    """Open a samarl output file as an ``xarray.Dataset``.

    The kind of file is read from its root attribute ``format`` and is kept
    in ``ds.attrs["kind"]`` ("run", "policy" or "consensus"); the layout of
    each kind is in python/README.md. A file that is not one of these is
    refused with a ValueError naming the path and what was expected; a
    missing file raises FileNotFoundError.
    """
    path = os.fspath(path)
    f = _open_h5(path)
    try:
        kind = _kind(f, path)
        data_vars, coords, lazy = _READERS[kind](f)
        attrs = _file_attrs(f, kind, path, [*data_vars.values(), *coords.values()])
        ds = xr.Dataset(data_vars, coords, attrs)
        for name in ("gid", "traj_gid"):
            if name in ds.coords:
                ds = ds.set_xindex(name)
    except BaseException:
        f.close()
        raise
    if lazy:
        ds.set_close(f.close)
    else:
        f.close()
    return ds


def config(ds):
    """The run's effective configuration as {"section.key": "value"} (strings).

    Every samarl file keeps the full configuration as INI text in its root
    attribute ``config`` (``ds.attrs["config"]``); ``ds`` may also be that
    text itself.
    """
    text = ds if isinstance(ds, str) else ds.attrs["config"]
    out, section = {}, ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif "=" in line:
            key, value = line.split("=", 1)
            out[f"{section}.{key.strip()}"] = value.strip()
    return out


# ---- the three kinds ------------------------------------------------------------


def _read_run(f):
    """A run file: /series on ``step``, /agents and /graph on ``agent``, /traj
    on (``step``, ``agent``) where it records every step and agent, else on
    ``traj_step`` / ``traj_agent`` holding the recorded ones."""
    series = f["series"]
    n_steps = _one_length(series)
    n_agents = int(_attr(f, "n_agents"))
    coords = _step_coords("step", np.arange(n_steps))
    coords["gid"] = _gid_coord("agent", np.arange(n_agents))
    data_vars = {}
    for name, d in _data(series):
        _put(data_vars, name, _variable(d, ("step",)))
    for group in ("agents", "graph"):
        for name, d in _data(f[group]):
            _put(data_vars, name, _variable(d, ("agent",)))
    traj = f.get("traj")
    if traj is None:  # output.agents = none
        return data_vars, coords, False
    step_stride, agent_stride = int(_attr(traj, "step_stride")), int(_attr(traj, "agent_stride"))
    rows, cols = next(iter(_data(traj)))[1].shape
    step_dim, agent_dim = "step", "agent"
    if step_stride != 1 or rows != n_steps:
        step_dim = "traj_step"
        coords.update(_step_coords(step_dim, np.arange(rows) * step_stride, prefix="traj_"))
    if agent_stride != 1 or cols != n_agents:
        agent_dim = "traj_agent"
        coords["traj_gid"] = _gid_coord(agent_dim, np.arange(cols) * agent_stride)
    for name, d in _data(traj):
        _put(data_vars, "traj_" + name, _variable(d, (step_dim, agent_dim), lazy=True))
    return data_vars, coords, True


def _read_policy(f):
    """A policy file: the training curve (/train datasets with one entry per
    iteration) on ``iteration``, the evaluations at fixed multipliers on
    (``eval_iteration``, ``eval_lambda``), /agents on ``agent``, and a
    sequential trainer's per-position record (/positions: the update order's
    positions, or colour classes) as ``position_<name>`` on (``iteration``,
    ``position``). The weights stay in the file."""
    n_iter = int(_attr(f, "iterations"))
    coords = {
        "iteration": xr.Variable("iteration", np.arange(1, n_iter + 1),
                                 {"units": "1", "description": "iterations completed"}),
        "gid": _gid_coord("agent", np.arange(int(_attr(f, "n_agents")))),
    }
    data_vars = {}
    train = f.get("train", {})
    for name, d in train.items():
        if name in ("eval_iteration", "eval_lambda"):
            coords[name] = _variable(d, (name,))
        elif _is_scale(d):  # /train/iteration: the coordinate above
            continue
        elif name in ("eval_return", "eval_usage"):
            _put(data_vars, name, _variable(d, ("eval_iteration", "eval_lambda")))
        elif d.shape == (n_iter,):
            _put(data_vars, name, _variable(d, ("iteration",)))
    for name, d in _data(f.get("agents", {})):
        _put(data_vars, name, _variable(d, ("agent",)))
    alt = f.get("altmarl")  # train.algo = altmarl: tables, not networks
    if alt is not None:
        dims = {"values": ("iteration",), "mean_field": ("robot_position",),
                "dispatcher": ("count_vector", "zone"), "best_dispatcher": ("count_vector", "zone"),
                "local_policy": ("zone_position", "robot_action"),
                "best_local_policy": ("zone_position", "robot_action")}
        for name, d in _data(alt):
            if name in dims and d.ndim == len(dims[name]):
                _put(data_vars, "altmarl_" + name, _variable(d, dims[name]))
    fa = f.get("altmarl_fa")  # train.algo = altmarl-fa: the rounds' values (the networks stay)
    if fa is not None and "values" in fa and fa["values"].shape == (n_iter,):
        _put(data_vars, "altmarl_fa_values", _variable(fa["values"], ("iteration",)))
    pos = f.get("positions")
    if pos is not None:
        tables = [(n, d) for n, d in pos.items() if d.ndim == 2 and d.shape[0] == n_iter]
        if tables:
            n_pos = tables[0][1].shape[1]
            coords["position"] = xr.Variable(
                "position", np.arange(n_pos),
                {"units": "1", "description": str(pos.attrs.get("columns", "positions"))})
            for name, d in tables:
                _put(data_vars, "position_" + name, _variable(d, ("iteration", "position")))
    return data_vars, coords, False


def _read_consensus(f):
    """A consensus study: the curve (/consensus/disagreement, /bound) on
    ``round``; the final values and /graph on ``agent``."""
    c = f["consensus"]
    coords = {"round": _variable(c["round"], ("round",)),
              "gid": _gid_coord("agent", np.arange(int(_attr(f, "n_agents"))))}
    data_vars = {}
    for name in ("disagreement", "bound"):
        _put(data_vars, name, _variable(c[name], ("round",)))
    _put(data_vars, "final", _variable(c["final"], ("agent",)))
    for name, d in _data(f["graph"]):
        _put(data_vars, name, _variable(d, ("agent",)))
    return data_vars, coords, False


_READERS = {"run": _read_run, "policy": _read_policy, "consensus": _read_consensus}


# ---- the file -------------------------------------------------------------------

EXPECTED = "expected a samarl run, policy or consensus file (root attribute format = " + \
    " | ".join(FORMATS) + ")"


def _open_h5(path):
    try:
        return h5py.File(path, "r")
    except FileNotFoundError:
        raise FileNotFoundError(2, "No such file", path) from None
    except OSError as e:
        why = str(e).splitlines()[0]
        raise ValueError(f"{path}: not a readable HDF5 file ({why}); {EXPECTED}") from None


def _kind(f, path):
    """The kind of file by its root attribute format, refusing others and
    newer versions of the format than this reader knows."""
    fmt = _text(f.attrs.get("format", ""))
    if fmt not in FORMATS:
        found = f"its root attribute format is {fmt!r}" if fmt else \
            "it has no root attribute format"
        raise ValueError(f"{path}: not a samarl output file ({found}); {EXPECTED}")
    version = int(f.attrs.get("format_version", 0))
    if version > FORMAT_VERSION:
        raise ValueError(f"{path}: {fmt} format_version {version} is newer than this reader "
                         f"knows ({FORMAT_VERSION}); update python/samarl")
    return FORMATS[fmt]


def _file_attrs(f, kind, path, variables):
    """ds.attrs: the kind and path, the root attributes, each top-level
    group's attributes prefixed with its name, and the datasets that none of
    the variables holds."""
    attrs = {"kind": kind, "source": path, **_attrs(f)}
    for name, group in f.items():
        if isinstance(group, h5py.Group):
            attrs.update({f"{name}_{k}": v for k, v in _attrs(group).items()})
    used = {v.attrs.get("hdf5_path") for v in variables}
    rest = [f"{d.name} {d.dtype} {list(d.shape)}" for d in _datasets(f) if d.name not in used]
    if rest:
        attrs["datasets_not_loaded"] = "; ".join(rest)
    return attrs


# ---- helpers --------------------------------------------------------------------


class _LazyH5(xr.backends.BackendArray):
    """An HDF5 dataset that xarray reads only when it is indexed or loaded."""

    def __init__(self, dset):
        self.dset, self.shape, self.dtype = dset, dset.shape, dset.dtype

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC,
                                                  self.dset.__getitem__)


def _variable(dset, dims, lazy=False):
    """The dataset as a Variable on dims, its HDF5 attributes carried along."""
    data = indexing.LazilyIndexedArray(_LazyH5(dset)) if lazy else dset[()]
    return xr.Variable(dims, data, {**_attrs(dset), "hdf5_path": dset.name})


def _step_coords(dim, steps, prefix=""):
    """Coordinates of a step dimension: the step, its hour of day and its day."""
    def var(values, units, description):
        return xr.Variable(dim, values, {"units": units, "description": description})
    return {prefix + "step": var(steps, "h", "hours since the start"),
            prefix + "hour": var(steps % STEPS_PER_DAY, "h", "hour of the day"),
            prefix + "day": var(steps // STEPS_PER_DAY, "day", "day of the run")}


def _gid_coord(dim, gids):
    return xr.Variable(dim, gids, {"units": "1", "description": "global agent id (gid)"})


def _put(data_vars, name, var):
    """Add a variable, refusing to let one HDF5 dataset hide another."""
    if name in data_vars:
        raise ValueError(f"{var.attrs['hdf5_path']} and {data_vars[name].attrs['hdf5_path']} "
                         f"would both be variable {name!r}")
    data_vars[name] = var


def _one_length(group):
    """The common length of a group's 1-D datasets (the number of steps)."""
    lengths = {d.shape[0] for d in group.values()}
    if len(lengths) != 1:
        raise ValueError(f"{group.file.filename}: the datasets in {group.name} differ in length: "
                         f"{sorted(lengths)}")
    return lengths.pop()


def _attr(obj, name):
    """A required attribute, refused with the file and object named when absent."""
    if name not in obj.attrs:
        raise ValueError(f"{obj.file.filename}: {obj.name} has no attribute {name!r}")
    return obj.attrs[name]


# What HDF5 dimension scales add to a dataset: structure, not metadata (the
# Dataset's own dimensions and coordinates say it).
_SCALE_ATTRS = {"CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Dimid"}


def _attrs(obj):
    return {k: _text(v) for k, v in obj.attrs.items() if k not in _SCALE_ATTRS}


def _data(group):
    """A group's datasets but its dimension scales (the step and agent axes
    samarl run writes for netCDF tools: here they are coordinates)."""
    return [(name, d) for name, d in group.items()
            if isinstance(d, h5py.Dataset) and not _is_scale(d)]


def _is_scale(d):
    return _text(d.attrs.get("CLASS", "")) == "DIMENSION_SCALE"


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def _datasets(f):
    out = []
    f.visititems(lambda _, o: out.append(o) if isinstance(o, h5py.Dataset) and not _is_scale(o)
                 else None)
    return out
