# The consensus output as a script sees it: read with h5py (Debian's
# python3-h5py at /usr/bin/python3), check the layout, attributes and the
# physics of the numbers.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
PY=/usr/bin/python3
if ! $PY -c 'import h5py' >/dev/null 2>&1; then
  echo "1..0 # SKIP no h5py"
  exit 0
fi

# check FILE ROUNDS EVERY NRANKS N: one "PASS desc" or "FAIL desc: why" per check.
check() {
  $PY - "$@" <<'EOF'
import json, math, sys
import numpy as np
import h5py

path, rounds, every, nranks, n = sys.argv[1], *map(int, sys.argv[2:6])
def check(desc, cond, why=""):
    print(("PASS " if cond else "FAIL ") + desc + ("" if cond else ": " + str(why)))

def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)

try:
    f = h5py.File(path, "r")
except Exception as e:
    check("the file opens with h5py", False, e)
    sys.exit(0)
a = f.attrs
check("root attribute format == 'samarl-consensus'", s(a.get("format")) == "samarl-consensus", a.get("format"))
check("root attribute n_agents == %d" % n, int(a.get("n_agents", -1)) == n, a.get("n_agents"))
check("root attribute n_ranks == %d" % nranks, int(a.get("n_ranks", -1)) == nranks, a.get("n_ranks"))
cfg = s(a.get("config", ""))
check("root attribute config holds the effective config ([graph])", "[graph]" in cfg, cfg[:80])
check("the recorded config has the run's values", "agents = %d" % n in cfg and "rounds = %d" % rounds in cfg)
check("root attributes format_version, samarl_version, git_sha, seed",
      all(k in a for k in ("format_version", "samarl_version", "git_sha", "seed")), list(a.keys()))

d = f.get("consensus/disagreement")
check("/consensus/disagreement exists", d is not None)
if d is None:
    sys.exit(0)
npts = -(-rounds // every) + 1
check("/consensus/disagreement is 1-D float64", d.ndim == 1 and d.dtype == np.float64, (d.shape, d.dtype))
check("/consensus/disagreement has rounds/report_every + 1 = %d points" % npts, d.shape == (npts,), d.shape)
dv = d[()]
check("disagreement is finite and non-negative", np.all(np.isfinite(dv)) and np.all(dv >= 0), dv)
check("disagreement decreases overall (last < first)", dv[-1] < dv[0], (dv[0], dv[-1]))
check("disagreement never grows (W is a contraction on the disagreement)",
      np.all(np.diff(dv) <= 1e-15 * dv[0]), np.diff(dv))
r = f.get("consensus/round")
expect_r = list(range(0, rounds, every)) + [rounds]
check("/consensus/round is 0, report_every, ..., rounds",
      r is not None and list(r[()]) == expect_r, None if r is None else list(r[()]))
b = f.get("consensus/bound")
check("/consensus/bound has the shape of disagreement", b is not None and b.shape == d.shape)
if b is not None and b.shape == d.shape:
    bv = b[()]
    both = np.isfinite(bv) & np.isfinite(dv)
    check("bound is finite at %d of %d points" % (both.sum(), len(dv)), both.sum() == len(dv), bv)
    check("bound >= disagreement - 1e-12 where both are finite",
          np.all(bv[both] >= dv[both] - 1e-12), np.c_[bv, dv][both])
    check("bound starts at the initial disagreement", bv[0] == dv[0], (bv[0], dv[0]))

fin = f.get("consensus/final")
c = f.get("consensus")
check("/consensus/final has n_agents float64 entries",
      fin is not None and fin.shape == (n,) and fin.dtype == np.float64, None if fin is None else (fin.shape, fin.dtype))
if fin is not None and c is not None and "mean_initial" in c.attrs:
    fv = fin[()]
    m0 = float(c.attrs["mean_initial"])
    check("mean of /consensus/final == attribute mean_initial within 1e-12 (mass kept)",
          abs(fv.mean() - m0) <= 1e-12, (fv.mean(), m0))
    check("final disagreement == last recorded disagreement",
          abs(math.sqrt(np.mean((fv - fv.mean()) ** 2)) - dv[-1]) <= 1e-12 * max(1, dv[-1]),
          (math.sqrt(np.mean((fv - fv.mean()) ** 2)), dv[-1]))
    check("the values are not all equal yet (the check can see spread)", fv.std() > 0)
else:
    check("/consensus has attribute mean_initial", False, None if c is None else list(c.attrs.keys()))

dsets = []
f.visititems(lambda name, o: dsets.append((name, o)) if isinstance(o, h5py.Dataset) else None)
check("the file has at least 6 datasets", len(dsets) >= 6, [x for x, _ in dsets])
for name, o in dsets:
    u, desc = o.attrs.get("units"), o.attrs.get("description")
    check("/%s has 'units' and 'description' attributes" % name,
          u is not None and desc is not None and len(s(desc)) > 0, (u, desc))

p = f.get("graph/partition")
check("/graph/partition has n_agents entries", p is not None and p.shape == (n,))
if p is not None:
    pv = p[()]
    check("/graph/partition values in [0, n_ranks)", pv.min() >= 0 and pv.max() < nranks, (pv.min(), pv.max()))
    check("every rank owns agents", len(np.unique(pv)) == nranks, np.unique(pv))
g = f.get("graph/degree")
if g is not None and "n_edges" in f["graph"].attrs:
    check("sum of /graph/degree == 2 * n_edges", int(g[()].sum()) == 2 * int(f["graph"].attrs["n_edges"]))

# The JSON record beside the file agrees with it.
jpath = path[:-3] + ".json" if path.endswith(".h5") else path + ".json"
try:
    j = json.load(open(jpath))
    res = j.get("results", {})
    check("the JSON record has the file's checksum", res.get("checksum") == s(c.attrs.get("checksum")),
          (res.get("checksum"), c.attrs.get("checksum")))
    check("the JSON record has the file's n_ranks and mean_initial",
          j.get("n_ranks") == nranks and res.get("mean_initial") == float(c.attrs["mean_initial"]))
except Exception as e:
    check("the JSON record %s reads" % jpath, False, e)
print("DONE")
EOF
}

# An 8 x 8 torus on 3 ranks, 100 rounds reported every 10.
run_np 3 $SAMARL consensus -q --set graph.type=grid2d --set graph.agents=64 \
  --set consensus.rounds=100 --set consensus.report_every=10 -o "$TMP/grid.h5" >"$TMP/grid.log" 2>&1
ok "samarl consensus -o on 3 ranks (grid2d, 64 agents)" test -s "$TMP/grid.h5"
check "$TMP/grid.h5" 100 10 3 64 >"$TMP/py.out" 2>&1; rc=$?
relay grid <"$TMP/py.out"
ok "grid: the h5py checks ran to the end" test $rc -eq 0 -a "$(tail -1 "$TMP/py.out")" = DONE

# An irregular graph on 2 ranks with rounds not a multiple of report_every:
# the last round is recorded too.
run_np 2 $SAMARL consensus -q --set graph.type=er --set graph.agents=150 --set consensus.init=normal \
  --set consensus.rounds=55 --set consensus.report_every=10 -o "$TMP/er.h5" >"$TMP/er.log" 2>&1
ok "samarl consensus -o on 2 ranks (er, 150 agents, 55 rounds)" test -s "$TMP/er.h5"
check "$TMP/er.h5" 55 10 2 150 >"$TMP/py.out" 2>&1; rc=$?
relay er <"$TMP/py.out"
ok "er: the h5py checks ran to the end" test $rc -eq 0 -a "$(tail -1 "$TMP/py.out")" = DONE

done_testing
