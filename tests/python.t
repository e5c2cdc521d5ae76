# The Python package python/samarl: samarl.open gives each kind of output
# file (run, policy, consensus study) as an xarray Dataset with the right
# dimensions, coordinates and attributes and the file's values bit for bit,
# thinned trajectories at the steps and gids they recorded, and refuses other
# files by name; python3 -m samarl plot, compare and info write figures and
# summaries and refuse bad arguments. Debian's /usr/bin/python3 with h5py,
# xarray and matplotlib.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
PY="timeout -k 5 $(tlimit 120) /usr/bin/python3"
if ! /usr/bin/python3 -c 'import h5py, xarray, matplotlib' >/dev/null 2>&1; then
  echo "1..0 # SKIP /usr/bin/python3 lacks h5py, xarray or matplotlib"
  exit 0
fi
export PYTHONPATH=$PWD/python${PYTHONPATH:+:$PYTHONPATH}

# ---- one file of each kind (16 agents, 2 days: well under a second each) ------------
SMALL=(--set graph.agents=16)
BR=("${SMALL[@]}" --set run.days=2 --set policy.type=bestresponse --set dual.mode=central)
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 --set train.copies=2 \
  --set train.eval_every=2 -o "$TMP/policy.h5" >"$TMP/make.log" 2>&1
run_np 2 $SAMARL run -q "${SMALL[@]}" --set run.days=2 --policy "$TMP/policy.h5" -o "$TMP/run.h5" >>"$TMP/make.log" 2>&1
run_np 1 $SAMARL run -q "${BR[@]}" -o "$TMP/central.h5" >>"$TMP/make.log" 2>&1
run_np 2 $SAMARL run -q "${BR[@]}" --set output.every=5 --set output.agents=every:3 -o "$TMP/thin.h5" >>"$TMP/make.log" 2>&1
run_np 1 $SAMARL run -q "${BR[@]}" --set output.agents=none -o "$TMP/notraj.h5" >>"$TMP/make.log" 2>&1
run_np 2 $SAMARL consensus -q --set graph.agents=64 --set consensus.rounds=55 \
  --set consensus.report_every=10 -o "$TMP/study.h5" >>"$TMP/make.log" 2>&1
$PARTITION "${SMALL[@]}" --parts 2 -o "$TMP/part.h5" >>"$TMP/make.log" 2>&1
run_np 1 $SAMARL train -q "${SMALL[@]}" --set train.iterations=2 --set train.algo=mappo-l \
  --set policy.sharing=shared -o "$TMP/mappo.h5" >>"$TMP/make.log" 2>&1
run_np 2 $SAMARL train -q --set env.name=drnet --set graph.type=ring --set graph.k=2 \
  --set graph.agents=16 --set train.algo=happo --set train.iterations=3 --set train.copies=2 \
  --set env.horizon=8 --set train.eval_copies=2 -o "$TMP/happo.h5" >>"$TMP/make.log" 2>&1
echo "not hdf5" >"$TMP/junk.h5"
made=1
for f in policy run central thin notraj study part mappo happo; do [[ -s $TMP/$f.h5 ]] || made=0; done
if [[ $made -eq 1 ]]; then pass "samarl train (x3), run (x4), consensus and samarl-partition wrote their files"
else fail "samarl train (x3), run (x4), consensus and samarl-partition wrote their files"; tail -20 "$TMP/make.log" | sed 's/^/#   /'; fi

# ---- samarl.open: layout and values against h5py --------------------------------------
$PY - "$TMP" >"$TMP/py.out" 2>&1 <<'EOF'
import os, sys
import numpy as np
import h5py
import samarl
from samarl import plot

tmp = sys.argv[1]
def check(desc, cond, why=""):
    print(("PASS " if cond else "FAIL ") + desc + ("" if cond else ": " + str(why)))

def same_as_file(name, ds, path):
    """Every variable and coordinate read from the file has its dataset's
    values (bit for bit, NaN where NaN), dtype and attributes."""
    bad, n = [], 0
    with h5py.File(path, "r") as f:
        for v in [*ds.data_vars.values(), *ds.coords.values()]:
            p = v.attrs.get("hdf5_path")
            if p is None:
                continue
            n += 1
            d = f[p]
            vals = v.values
            if vals.dtype != d.dtype or not np.array_equal(vals, d[()], equal_nan=vals.dtype.kind == "f"):
                bad.append(f"{v.name}: values")
            for k, a in d.attrs.items():
                if k in ("CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST"):
                    continue  # dimension-scale structure: the Dataset's own dims say it
                if v.attrs.get(k) != (a.decode() if isinstance(a, bytes) else a):
                    bad.append(f"{v.name}: @{k}")
    check(f"{name}: the {n} variables and coordinates from the file equal its datasets bit for bit, "
          "with their dtype and attributes", n > 0 and not bad, bad)

def group_attrs(name, ds, path, group, prefix):
    with h5py.File(path, "r") as f:
        a = dict(f[group].attrs)
    bad = [k for k, v in a.items() if ds.attrs.get(prefix + k) != v]
    check(f"{name}: the {len(a)} attributes of {group} are ds.attrs {prefix}*", a and not bad, bad)

def coord(name, ds, c, dim, expect):
    v = ds.coords.get(c)
    check(f"{name}: coordinate {c} on {dim} = {list(expect) if len(expect) < 12 else '...'}",
          v is not None and v.dims == (dim,) and np.array_equal(v.values, expect),
          None if v is None else (v.dims, v.values))

SERIES = ["total_usage", "capacity", "slack", "served", "arrived", "backlog", "energy_cost", "reward",
          "lambda_mean", "lambda_min", "lambda_max", "disagreement", "disagreement_bound"]
TRAJ = ["traj_usage", "traj_backlog", "traj_action", "traj_reward", "traj_lambda"]

# -- a run, every step and agent recorded
path = os.path.join(tmp, "run.h5")
ds = samarl.open(path)
f = h5py.File(path, "r")
check("run: kind 'run', source the path", ds.attrs.get("kind") == "run" and ds.attrs.get("source") == path)
check("run: dims step = 48, agent = 16", dict(ds.sizes) == {"step": 48, "agent": 16}, dict(ds.sizes))
steps = np.arange(48)
coord("run", ds, "step", "step", steps)
coord("run", ds, "hour", "step", steps % 24)
coord("run", ds, "day", "step", steps // 24)
coord("run", ds, "gid", "agent", np.arange(16))
check("run: every /series dataset is a variable on step",
      all(s in ds and ds[s].dims == ("step",) for s in SERIES) and set(SERIES) <= set(f["series"]),
      [s for s in SERIES if s not in ds])
check("run: /traj are float32 variables traj_* on (step, agent)",
      all(t in ds and ds[t].dims == ("step", "agent") and ds[t].dtype == np.float32 for t in TRAJ),
      {t: ds[t].dims for t in TRAJ if t in ds})
check("run: /agents and /graph datasets are variables on agent",
      all(ds[v].dims == ("agent",) for v in ("scale", "beta", "degree", "partition")))
same_as_file("run", ds, path)
check("run: every dataset of the file is loaded", "datasets_not_loaded" not in ds.attrs,
      ds.attrs.get("datasets_not_loaded"))
check("run: units and description on every variable",
      all(ds[v].attrs.get("units") and ds[v].attrs.get("description") for v in ds.data_vars))
check("run: total_usage in kWh, lambda_mean in $/kWh",
      ds.total_usage.attrs["units"] == "kWh" and ds.lambda_mean.attrs["units"] == "$/kWh")
group_attrs("run", ds, path, "summary", "summary_")
group_attrs("run", ds, path, "graph", "graph_")
group_attrs("run", ds, path, "timers", "timers_")
check("run: root attributes (config, capacity, dual_mode, n_agents) are ds.attrs",
      all(ds.attrs.get(k) == f.attrs[k] for k in ("config", "capacity", "dual_mode", "n_agents", "format")))
cfg = samarl.config(ds)
check("run: samarl.config reads the run's config", cfg.get("dual.mode") == "consensus"
      and cfg.get("graph.agents") == "16" and cfg.get("run.days") == "2", cfg.get("dual.mode"))
check("run: select by gid (traj_lambda at gid 5 = column 5)",
      np.array_equal(ds.traj_lambda.sel(gid=5).values, f["traj/lambda"][:, 5]))
check("run: traj_lambda's mean over agents is lambda_mean (the file holds together)",
      np.allclose(ds.traj_lambda.astype(float).mean("agent"), ds.lambda_mean, atol=1e-6))

# -- the figures' data, from Python
fig = plot.figure(ds)
ax = fig.axes
check("run figure: three panels, each with a y label, time in days below",
      len(ax) == 3 and all(a.get_ylabel() for a in ax) and ax[2].get_xlabel() == "time (days)",
      [a.get_ylabel() for a in ax])
check("run figure: lambda in $/kWh (from the file's units)", "$/kWh" in ax[0].get_ylabel(), ax[0].get_ylabel())
lam = ax[0].get_lines()[0]
check("run figure: the lambda line is lambda_mean against step / 24",
      np.array_equal(lam.get_ydata(), ds.lambda_mean.values) and np.array_equal(lam.get_xdata(), steps / 24))
check("run figure: a min-max band beside the mean", len(ax[0].collections) == 1)
check("run figure: the time axis spans the run, days 0 to 47/24",
      np.allclose(ax[2].get_xlim(), (0, 47 / 24)), ax[2].get_xlim())
sv, ar = f["series/served"][()], f["series/arrived"][()]
expect = [100 * sv[t - 23:t + 1].sum() / ar[t - 23:t + 1].sum() for t in range(23, 48)]
served = ax[2].get_lines()[-1].get_ydata()
check("run figure: served % = 100 served / arrived over the trailing 24 h, none before",
      np.all(np.isnan(served[:23])) and np.allclose(served[23:], expect, rtol=1e-12), served[22:25])

# -- a thinned run against the same run recorded in full
full = samarl.open(os.path.join(tmp, "central.h5"))
thin = samarl.open(os.path.join(tmp, "thin.h5"))
check("thin: dims step 48, agent 16, traj_step 10, traj_agent 6",
      dict(thin.sizes) == {"step": 48, "agent": 16, "traj_step": 10, "traj_agent": 6}, dict(thin.sizes))
coord("thin", thin, "traj_step", "traj_step", np.arange(0, 48, 5))
coord("thin", thin, "traj_hour", "traj_step", np.arange(0, 48, 5) % 24)
coord("thin", thin, "traj_gid", "traj_agent", np.arange(0, 16, 3))
check("thin: traj_* on (traj_step, traj_agent)", all(thin[t].dims == ("traj_step", "traj_agent") for t in TRAJ))
bad = [t for t in TRAJ if not np.array_equal(thin[t].values,
                                             full[t].sel(step=thin.traj_step.values, gid=thin.traj_gid.values).values)]
check("thin: each recorded value is the full run's at its step and gid", not bad, bad)
check("thin: the comparison can fail (full differs from a plain column slice)",
      not np.array_equal(thin.traj_usage.values, full.traj_usage.values[:10, :6]))
same_as_file("thin", thin, thin.attrs["source"])
none = samarl.open(os.path.join(tmp, "notraj.h5"))
check("output.agents = none: no traj_* variables, dims step and agent only",
      not any(v.startswith("traj_") for v in none.data_vars) and set(none.sizes) == {"step", "agent"},
      list(none.data_vars))

# -- compare
fig = plot.compare([ds, full], ["consensus", "central"])
ax = fig.axes
lines = [[l for l in a.get_lines() if len(l.get_xdata()) == 48] for a in ax]
styles = [[(l.get_color(), l.get_linestyle()) for l in panel] for panel in lines]
check("compare: one line per run in every panel", [len(p) for p in lines] == [2, 2, 2], [len(p) for p in lines])
check("compare: the time axis spans the runs", np.allclose(ax[2].get_xlim(), (0, 47 / 24)), ax[2].get_xlim())
check("compare: the runs differ in colour and in line style, the same in every panel",
      styles[0] == styles[1] == styles[2] and len({c for c, _ in styles[0]}) == 2
      and len({ls for _, ls in styles[0]}) == 2, styles)
check("compare: the legend names the runs",
      [t.get_text() for t in ax[0].get_legend().get_texts()] == ["consensus", "central"])

# -- a policy
path = os.path.join(tmp, "policy.h5")
pol = samarl.open(path)
g = h5py.File(path, "r")
check("policy: kind 'policy'", pol.attrs.get("kind") == "policy")
check("policy: dims iteration 4, eval_iteration 2, eval_lambda 4, agent 16",
      dict(pol.sizes) == {"iteration": 4, "eval_iteration": 2, "eval_lambda": 4, "agent": 16}, dict(pol.sizes))
coord("policy", pol, "iteration", "iteration", np.arange(1, 5))
coord("policy", pol, "eval_iteration", "eval_iteration", [2, 4])
coord("policy", pol, "eval_lambda", "eval_lambda", g["train/eval_lambda"][()])
stats = {v for v in pol.data_vars if pol[v].dims == ("iteration",)}
check("policy: the per-iteration statistics are variables on iteration",
      stats == {"aug_reward", "entropy", "approx_kl", "clip_frac", "value_loss"}, stats)
check("policy: eval_return, eval_usage on (eval_iteration, eval_lambda)",
      all(pol[v].dims == ("eval_iteration", "eval_lambda") for v in ("eval_return", "eval_usage")))
same_as_file("policy", pol, path)
weights = ["/params", "/adam_m", "/adam_v", "/obs_mean", "/obs_scale", "/value_norm"]
nl = pol.attrs.get("datasets_not_loaded", "")
check("policy: the weights are left in the file, their shapes in datasets_not_loaded",
      all(f"{w} {g[w].dtype} {list(g[w].shape)}" in nl for w in weights) and "/params float32 [16, 1511]" in nl
      and "/train" not in nl, nl)
check("policy: root attributes (iterations, sharing, config)",
      all(pol.attrs.get(k) == g.attrs[k] for k in ("iterations", "sharing", "config", "n_params")))
pf = plot.figure(pol)
check("policy figure: the evaluation panel and one panel per statistic, x = iteration",
      len([a for a in pf.axes if a.get_visible()]) == 6 and all(a.get_xlabel() == "iteration" for a in pf.axes[:6]))

# -- a sequential trainer's policy: the per-position record
path = os.path.join(tmp, "happo.h5")
hp = samarl.open(path)
hg = h5py.File(path, "r")
pv = ["position_adv_variance", "position_max_weight", "position_max_factor", "position_kl"]
check("happo: /positions as position_* on (iteration 3, position 16)",
      all(v in hp and hp[v].dims == ("iteration", "position") for v in pv)
      and hp.sizes["position"] == 16 and hp.sizes["iteration"] == 3, dict(hp.sizes))
check("happo: their values are the file's, bit for bit",
      all(np.array_equal(hp[v].values, hg["positions/" + v[len("position_"):]][()]) for v in pv))
hf = plot.figure(hp)
titles = [a.get_title() for a in hf.axes if a.get_visible()]
check("happo figure: the variance of the weighted advantage by iteration and by position",
      "variance of the weighted advantage" in titles and "by position in the update order" in titles,
      titles)

# -- a consensus study
path = os.path.join(tmp, "study.h5")
st = samarl.open(path)
check("consensus: kind 'consensus'", st.attrs.get("kind") == "consensus")
check("consensus: dims round 7, agent 64", dict(st.sizes) == {"round": 7, "agent": 64}, dict(st.sizes))
coord("consensus", st, "round", "round", [0, 10, 20, 30, 40, 50, 55])
coord("consensus", st, "gid", "agent", np.arange(64))
check("consensus: disagreement and bound on round, final on agent",
      st.disagreement.dims == st.bound.dims == ("round",) and st.final.dims == ("agent",))
same_as_file("consensus", st, path)
group_attrs("consensus", st, path, "consensus", "consensus_")
check("consensus: nothing left unloaded", "datasets_not_loaded" not in st.attrs)
cf = plot.figure(st)
check("consensus figure: log-scale disagreement against round",
      cf.axes[0].get_yscale() == "log" and cf.axes[0].get_xlabel() == "consensus round")

# -- every group of every kind of file opens with xarray's h5netcdf engine as
# it is: each dataset has HDF5 dimension scales (no phony_dims needed).
import xarray as xr
for name in ("run", "thin", "policy", "mappo", "study", "part"):
    fn = os.path.join(tmp, name + ".h5")
    with h5py.File(fn, "r") as h:
        groups = ["/"]
        h.visititems(lambda p, o: groups.append("/" + p) if isinstance(o, h5py.Group) else None)
    failed = []
    for g in groups:
        try:
            xr.open_dataset(fn, engine="h5netcdf", group=g).close()
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            failed.append(f"{g}: {str(e).splitlines()[0]}")
    check(f"{name}: all {len(groups)} groups open with engine='h5netcdf' without phony_dims",
          len(groups) >= 2 and not failed, failed)
with xr.open_dataset(os.path.join(tmp, "policy.h5"), engine="h5netcdf", group="train") as tr:
    check("policy /train: iteration 1..n, evaluations on (eval_iteration, eval_lambda)",
          list(tr.iteration.values) == [1, 2, 3, 4] and tr.eval_return.dims == ("eval_iteration", "eval_lambda"),
          tr)

# -- units beside every number: each numeric attribute NAME of every file
# samarl writes has a string attribute NAME_units (HDF5 has no attributes on
# attributes); identifiers (seed, format_version) are not quantities.
NOT_QUANTITIES = {"seed", "format_version"}
for name in ("run", "policy", "study", "part"):
    missing, n = [], 0
    with h5py.File(os.path.join(tmp, name + ".h5"), "r") as h:
        objs = [("/", h)]
        h.visititems(lambda p, o: objs.append(("/" + p, o)))
        for p, o in objs:
            for k, v in o.attrs.items():
                if k in NOT_QUANTITIES or not isinstance(v, (np.integer, np.floating)):
                    continue
                n += 1
                u = o.attrs.get(k + "_units")
                if not (isinstance(u, (str, bytes)) and len(u) > 0):
                    missing.append(f"{p}@{k}")
    check(f"{name}: all {n} numeric attributes have NAME_units", n >= 5 and not missing, missing)
with h5py.File(os.path.join(tmp, "run.h5"), "r") as h:
    su = {k: h["summary"].attrs[k + "_units"] for k in ("fulfilled", "reward", "lambda_mean", "wall_s")}
    wall = float(h["summary"].attrs["wall_s"])
import json
jwall = json.load(open(os.path.join(tmp, "run.json")))["results"]["wall_s"]
check("run on 2 ranks: /summary wall_s is the JSON record's (rank 0's)",
      abs(wall - jwall) <= 1e-9 * jwall, (wall, jwall))
check("run: /summary units (fulfilled 1, reward $/agent/step, lambda_mean $/kWh, wall_s s)",
      su == {"fulfilled": "1", "reward": "$/agent/step", "lambda_mean": "$/kWh", "wall_s": "s"}, su)

# -- files that are not samarl output
h5py.File(os.path.join(tmp, "plain.h5"), "w")["x"] = [1, 2]
for name, what in (("junk.h5", "not a readable HDF5 file"), ("plain.h5", "no root attribute format"),
                   ("part.h5", "'samarl-partition'")):
    p = os.path.join(tmp, name)
    try:
        samarl.open(p)
        check(f"{name} refused", False, "opened")
    except ValueError as e:
        check(f"{name} refused with a ValueError naming the path, why ({what}) and what was expected",
              p in str(e) and what in str(e) and "expected a samarl run, policy or consensus file" in str(e), e)
try:
    samarl.open(os.path.join(tmp, "missing.h5"))
    check("a missing file raises FileNotFoundError", False, "opened")
except FileNotFoundError as e:
    check("a missing file raises FileNotFoundError naming it", "missing.h5" in str(e), e)

# -- the command line in this process (each bad argument: status and message)
import contextlib, io
from samarl.__main__ import main
def cli(*argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(list(argv))
        except SystemExit as e:
            rc = e.code
    return rc, err.getvalue().strip().splitlines()[-1:]
run, cen, x = (os.path.join(tmp, n) for n in ("run.h5", "central.h5", "x.png"))
for desc, argv, status, text in (
        ("compare with fewer labels than runs", ("compare", run, cen, "--labels", "one", "-o", x), 2,
         "compare: 1 labels for 2 files"),
        ("plot without -o", ("plot", run), 2, "required: -o/--output"),
        ("compare of a policy file", ("compare", run, os.path.join(tmp, "policy.h5"), "-o", x), 1,
         "policy.h5 is a policy file; compare takes run files"),
        ("plot of a missing file", ("plot", os.path.join(tmp, "missing.h5"), "-o", x), 1, "missing.h5"),
        ("an unknown figure format", ("plot", run, "-o", os.path.join(tmp, "x.xyz")), 1, "'xyz' is not supported")):
    rc, msg = cli(*argv)
    check(f"command line: {desc} exits {status} saying so", rc == status and msg and text in msg[0], (rc, msg))
check("command line: no figure from the refused commands",
      not any(os.path.exists(os.path.join(tmp, n)) for n in ("x.png", "x.xyz")))
print("DONE")
EOF
rc=$?
relay <"$TMP/py.out"
ok "the samarl.open checks ran to the end" test $rc -eq 0 -a "$(tail -1 "$TMP/py.out")" = DONE

# ---- python3 -m samarl -------------------------------------------------------------------
SAM=($PY -m samarl)
# refused DESC STATUS PATTERN ARGS...: exits with STATUS, the output matches PATTERN (ERE).
refused() {
  local d=$1 st=$2 pat=$3; shift 3
  "${SAM[@]}" "$@" >"$TMP/cli" 2>&1
  local rc=$?
  if [[ $rc -eq $st ]] && grep -Eq -- "$pat" "$TMP/cli"; then pass "$d"
  else fail "$d (exit $rc, expected $st and /$pat/)"; sed 's/^/#   /' "$TMP/cli" | tail -5; fi
}
"${SAM[@]}" --help >"$TMP/help" 2>&1
ok "--help exits 0" test $? -eq 0
ok "--help names every command with its arguments" bash -c \
  "grep -q 'plot FILE -o FIG' '$TMP/help' && grep -q 'compare RUN... -o FIG' '$TMP/help' && grep -q 'info FILE' '$TMP/help'"
for f in run policy study; do
  ok "plot $f.h5 -o $f.png exits 0" "${SAM[@]}" plot "$TMP/$f.h5" -o "$TMP/$f.png"
done
ok "compare run.h5 central.h5 thin.h5 -o cmp.png exits 0" "${SAM[@]}" compare "$TMP/run.h5" "$TMP/central.h5" \
  "$TMP/thin.h5" -o "$TMP/cmp.png"
ok "compare --labels writes a PDF too" "${SAM[@]}" compare "$TMP/run.h5" "$TMP/central.h5" --labels "K = 5" oracle \
  -o "$TMP/cmp.pdf"
ok "the PDF is a PDF" bash -c "[[ \$(head -c 5 '$TMP/cmp.pdf') == %PDF- ]]"
# From another directory, as a user would (PYTHONPATH alone finds the package).
(cd / && $PY - "$TMP"/{run,policy,study,cmp}.png) >"$TMP/png" 2>&1 <<'EOF'
import sys
import matplotlib.image as mi
import samarl
print("PASS import samarl from / with PYTHONPATH:", samarl.__file__)
for p in sys.argv[1:]:
    a = mi.imread(p)
    drawn = a.ndim == 3 and min(a.shape[:2]) > 300 and a[..., :3].std() > 0.05
    print("PASS" if drawn else "FAIL", p.rsplit("/", 1)[1], "is a PNG of a drawn figure", a.shape)
EOF
while read -r st msg; do
  case $st in
  PASS) pass "$msg" ;;
  FAIL) fail "$msg" ;;
  *) diag "$st $msg" ;;
  esac
done <"$TMP/png"
ok "the PNG checks ran" test "$(grep -c PASS "$TMP/png")" -eq 5
"${SAM[@]}" info "$TMP/run.h5" >"$TMP/info" 2>&1
ok "info run.h5 exits 0" test $? -eq 0
like "info prints the dimensions" "$TMP/info" 'Dimensions: +\(step: 48, agent: 16\)'
like "info prints every variable (none elided)" "$TMP/info" '^    traj_usage +\(step, agent\) float32'
like "info prints the summary attributes" "$TMP/info" 'summary_fulfilled: '

refused "plot of a file that is not HDF5: exit 1, the path and what was expected" 1 \
  "$TMP/junk.h5: not a readable HDF5 file.*expected a samarl run, policy or consensus file" plot "$TMP/junk.h5" -o "$TMP/junk.png"
ok "no figure for a refused file" test ! -e "$TMP/junk.png"
refused "an unknown command: exit 2, the choices listed" 2 "invalid choice: 'plto'.*plot.*compare.*info" plto "$TMP/run.h5"

done_testing
