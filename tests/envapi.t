# The step API (include/samarl/api.h, build/libsamarl.so, python/samarl/env.py):
# the environment in one process without mpirun, for a learner of one's own.
# Actions that samarl run recorded (/traj/action), fed to step(), give back
# the run's /traj/reward, /traj/usage and /traj/backlog bit for bit (DR-v1
# with profiles and nodes over 300 agents, more than one batch; the toy
# environment; a moving multiplier); sizes, reset determinism, truncation,
# refusals with samarl's own messages (and a process that lives on), the
# PettingZoo-shaped parallel_env, the C API from C, `import samarl` without
# the library, and python/examples/independent_learner.py.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
PY="timeout -k 5 $(tlimit 120) /usr/bin/python3"
SO=$SAMARL_BUILD/libsamarl.so
if ! /usr/bin/python3 -c 'import cffi, h5py, numpy' >/dev/null 2>&1; then
  echo "1..0 # SKIP /usr/bin/python3 lacks cffi (python3-cffi), h5py or numpy"
  exit 0
fi
if [[ ! -f $SO ]]; then
  echo "1..0 # SKIP no $SO (make builds it)"
  exit 0
fi
# A sanitizer build's library needs its runtime loaded first, which python3 is not.
if ldd "$SO" 2>/dev/null | grep -q 'libasan\|libubsan'; then
  echo "1..0 # SKIP $SO is a sanitizer build (python3 cannot load it without LD_PRELOAD)"
  exit 0
fi
export PYTHONPATH=$PWD/python${PYTHONPATH:+:$PYTHONPATH}
export SAMARL_LIB=$PWD/$SO
[[ $SO = /* ]] && export SAMARL_LIB=$SO

# ---- the library ----------------------------------------------------------------------
syms=$(nm -D --defined-only "$SO" | awk '{print $3}')
if [[ -n $syms ]] && ! grep -qv '^samarl_' <<<"$syms" && grep -qx samarl_env_step <<<"$syms"; then
  pass "libsamarl.so exports the step API and nothing else ($(wc -l <<<"$syms") samarl_* symbols)"
else
  fail "libsamarl.so exports the step API and nothing else"
  grep -v '^samarl_' <<<"$syms" | head -5 | sed 's/^/#   /'
fi

# ---- runs to reproduce -----------------------------------------------------------------
# 300 agents (two batches of samarl run's 256), three days of CityLearn-format
# profiles for two buildings (episodes start at a random day) and a nodes
# file with negative loads (clipped); a toy run; a central run whose
# multiplier moves every day.
$PY - "$TMP" <<'EOF'
import sys
import numpy as np
rng = np.random.default_rng(3)
with open(sys.argv[1] + "/prof.csv", "w") as f:
    f.write("price,load_b1,load_b2\n")
    for h in range(72):
        f.write(f"{0.1 + 0.2 * (17 <= h % 24 < 21):.3f},{1 + rng.random():.4f},{0.5 + rng.random():.4f}\n")
with open(sys.argv[1] + "/nodes.csv", "w") as f:
    f.write("id,pd_mw\n")
    for i in range(300):
        f.write(f"{i},{rng.random() * 3 - 0.3:.4f}\n")
EOF
REC="output.agents=all output.every=1 policy.type=bestresponse"
DR="graph.agents=300 graph.type=ring graph.k=2 run.days=2 run.seed=7 dual.mode=fixed dual.lambda0=0.03 env.profiles=$TMP/prof.csv env.nodes=$TMP/nodes.csv"
TOY="env.name=toy graph.agents=50 graph.type=ring graph.k=1 run.days=2 dual.mode=fixed dual.lambda0=0.2"
CEN="graph.agents=40 graph.type=ring graph.k=1 run.days=3 dual.mode=central dual.eta=0.5"
sets() { for s in "$@"; do printf -- '--set\n%s\n' "$s"; done; }
mapfile -t A < <(sets $REC $DR)
run_np 2 $SAMARL run -q "${A[@]}" -o "$TMP/dr.h5" >"$TMP/runs.log" 2>&1
mapfile -t A < <(sets $REC $TOY)
run_np 1 $SAMARL run -q "${A[@]}" -o "$TMP/toy.h5" >>"$TMP/runs.log" 2>&1
mapfile -t A < <(sets $REC $CEN)
run_np 2 $SAMARL run -q "${A[@]}" -o "$TMP/central.h5" >>"$TMP/runs.log" 2>&1
if [[ -s $TMP/dr.h5 && -s $TMP/toy.h5 && -s $TMP/central.h5 ]]; then
  pass "samarl run recorded three runs (DR-v1 with profiles and nodes, toy, central)"
else
  fail "samarl run recorded three runs"; tail -20 "$TMP/runs.log" | sed 's/^/#   /'
fi

# ---- everything from Python -----------------------------------------------------------
$PY - "$TMP" "$DR" "$TOY" "$CEN" >"$TMP/py.out" 2>&1 <<'EOF'
import sys
import h5py
import numpy as np
import samarl.env as se

tmp = sys.argv[1]
runs = {"dr": sys.argv[2].split(), "toy": sys.argv[3].split(), "central": sys.argv[4].split()}
def check(desc, cond, why=""):
    print(("PASS " if cond else "FAIL ") + desc + ("" if cond else ": " + str(why)))

# Parity: the recorded actions, stepped with the recorded multipliers.
for name, sets in runs.items():
    with h5py.File(f"{tmp}/{name}.h5", "r") as f:
        act, rew, use, back, lam = (f["/traj/" + k][()] for k in
                                    ("action", "reward", "usage", "backlog", "lambda"))
        tables = {k: f["/agents/" + k][()] for k in f["/agents"] if k != "agent"}
        steps = int(f.attrs["steps"])
    env = se.make(overrides=sets)
    obs = env.reset(lam=lam[0])
    bad = []
    for t in range(steps):
        if not np.array_equal(obs[:, -1], lam[t]):
            bad.append((t, "lambda"))
        nxt = lam[t + 1] if t + 1 < steps else lam[t]
        obs, r, g, term, trunc, info = env.step(act[t].astype(np.uint8), lam=nxt)
        for what, mine, theirs in (("reward", r, rew[t]), ("usage", g, use[t]),
                                   ("backlog", info["pending"], back[t])):
            if mine.dtype != np.float32 or not np.array_equal(mine, theirs):
                bad.append((t, what, float(np.max(np.abs(mine - theirs)))))
    check(f"parity {name}: {env.agents} agents x {steps} steps of recorded actions give the run's "
          "reward, usage and backlog bit for bit (float32), lambda as the last feature", not bad,
          bad[:3])
    if "scale" in tables:
        check(f"parity {name}: the agents' scales are the run's /agents/scale",
              np.array_equal(env.scales, tables["scale"]))
    if name == "dr":
        fixed = se.make(overrides=sets)
        fixed.reset()
        o2, r2, *_ = fixed.step(act[0].astype(np.uint8))
        o1 = fixed.reset()
        check("without lam, every agent sees lambda0 = dual.lambda0 (samarl run's fixed value)",
              fixed.lambda0 == 0.03 and np.all(o1[:, -1] == np.float32(0.03))
              and np.all(o2[:, -1] == np.float32(0.03)), fixed.lambda0)

# Sizes, horizon, levels.
env = se.make(overrides={"graph.agents": 20, "graph.type": "ring", "graph.k": 1,
                         "env.levels": "0,1,2", "env.horizon": 5})
check("sizes: agents, observation_size, action_levels, horizon, levels",
      (env.agents, env.observation_size, env.action_levels, env.horizon, list(env.levels))
      == (20, 6, 3, 5, [0.0, 1.0, 2.0]), env)
obs = env.reset()
check("reset: obs is agents x observation_size float32", obs.shape == (20, 6) and obs.dtype == np.float32,
      (obs.shape, obs.dtype))
out = [env.step(np.ones(20, np.int64)) for _ in range(6)]
check("truncated at env.horizon steps, never terminated, step counter",
      [bool(o[4].all()) for o in out] == [False] * 4 + [True] * 2 and not any(o[3].any() for o in out)
      and env.step_count == 6 and out[0][5]["step"] == 1,
      [bool(o[4].all()) for o in out])
o = out[0]
check("step: reward, cost, served, arrived, pending per agent",
      all(a.shape == (20,) and a.dtype == np.float32 for a in
          (o[1], o[2], o[5]["served"], o[5]["arrived"], o[5]["pending"]))
      and np.all(o[5]["served"] <= o[2] + 1e-6))

# Reset determinism.
def episode(env, **kw):
    rs = [env.reset(**kw)]
    rng = np.random.default_rng(0)
    for _ in range(10):
        o, r, g, *_ = env.step(rng.integers(env.action_levels, size=env.agents))
        rs += [o, r, g]
    return rs
e2 = se.make(overrides={"graph.agents": 30, "graph.type": "ring", "graph.k": 1})
a, b = episode(e2), episode(e2)
c = episode(se.make(overrides={"graph.agents": 30, "graph.type": "ring", "graph.k": 1}))
d = episode(e2, episode=1)
e = episode(e2, seed=5, noise="train")
check("reset: the same episode twice, and in a new environment, gives the same bits",
      all(np.array_equal(x, y) for x, y in zip(a, b)) and all(np.array_equal(x, y) for x, y in zip(a, c)))
check("reset: another episode, seed or noise source gives other demand",
      not np.array_equal(a[0], d[0]) and not np.array_equal(a[0], e[0]))

# Refusals: samarl's own messages, and the process lives on.
def refused(desc, fn, exc, text):
    try:
        fn()
    except exc as x:
        check(f"refused: {desc}", text in str(x), str(x))
    else:
        check(f"refused: {desc}", False, "no exception")
refused("an unknown key, with samarl's message", lambda: se.make(overrides={"graph.agentz": 5}),
        se.SamarlError, "unknown key 'agentz' in section [graph] (did you mean [graph] agents?)")
refused("a bad value", lambda: se.make(overrides=["graph.agents=0"]), se.SamarlError,
        "--set graph.agents: expected an integer in [1, 2147483647], got '0'")
refused("an unknown environment", lambda: se.make(overrides={"env.name": "nope"}), se.SamarlError,
        "env.name = 'nope' is not an environment; expected one of: dr, toy")
refused("an environment whose costs read graph neighbours (drnet), naming what runs it",
        lambda: se.make(overrides={"env.name": "drnet"}), se.SamarlError,
        "env.name = drnet reads its graph neighbours, and the step API steps agents without a "
        "graph: run it with samarl run")
refused("an environment of whole worlds (spread), saying why",
        lambda: se.make(overrides={"env.name": "spread", "graph.agents": "8"}), se.SamarlError,
        "env.name = spread moves whole worlds of agents at once (its copies split across ranks), "
        "and the step API steps agents one by one")
refused("a missing config file", lambda: se.make(f"{tmp}/none.ini"), se.SamarlError,
        "cannot open config file")
refused("a missing profiles file", lambda: se.make(overrides={"env.profiles": f"{tmp}/none.csv"}),
        se.SamarlError, "none.csv")
refused("a nodes file for another number of agents",
        lambda: se.make(overrides={"env.nodes": f"{tmp}/nodes.csv", "graph.agents": 299}),
        se.SamarlError, "300 agent rows, but the graph has 299 agents")
# Demand is floored at 0: with env.noise = 1 (clip 3) one draw in six would
# make 1 + noise eps negative.
loud = se.make(overrides={"graph.agents": 64, "env.noise": 1, "run.seed": 3})
loud.reset()
rng = np.random.default_rng(0)
low = np.inf
for _ in range(48):
    _, _, _, _, _, inf = loud.step(rng.integers(0, loud.action_levels, loud.agents))
    low = min(low, float(inf["arrived"].min()), float(inf["served"].min()))
check("env.noise = 1: arrived and served demand never negative (48 steps x 64 agents)", low >= 0, low)
loud.close()
refused("a nodes column that is not there, naming the columns it has",
        lambda: se.make(overrides={"env.nodes": f"{tmp}/nodes.csv", "graph.agents": 300,
                                   "env.nodes_column": "qd"}),
        se.SamarlError, "no column 'qd' (env.nodes_column); the file has:")
refused("negative loads under env.negative_loads = error",
        lambda: se.make(overrides={"env.nodes": f"{tmp}/nodes.csv", "graph.agents": 300,
                                   "env.negative_loads": "error"}),
        se.SamarlError, "is negative (loads must be >= 0 under env.negative_loads = error")
refused("an action beyond the levels", lambda: env.step(np.full(20, 3)), se.SamarlError,
        "agent 0: action 3 is not one of the 3 levels of env.levels (expected 0 .. 2)")
refused("a negative action", lambda: env.step(np.full(20, -1)), se.SamarlError,
        "action -1 is not one of the 3 levels")
refused("actions of the wrong shape", lambda: env.step(np.zeros(19, int)), ValueError,
        "expected 20 (one per agent)")
refused("multipliers of the wrong shape", lambda: env.observe(np.zeros(3)), ValueError,
        "expected a number or 20 multipliers")
ffi, lib = env._ffi, env._lib
bad = np.full(20, 7, np.uint8)
rc = lib.samarl_env_step(env._e, ffi.from_buffer("uint8_t[]", bad), ffi.NULL, ffi.NULL, ffi.NULL,
                         ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL)
check("the C API refuses an action beyond the levels with a code and a message, the counter stays",
      rc == -1 and "action 7 is not one of the 3 levels" in ffi.string(lib.samarl_errmsg()).decode()
      and env.step_count == 6, rc)
check("after the refusals the process goes on: a new environment steps",
      se.make(overrides={"graph.agents": 8, "graph.type": "ring", "graph.k": 1}).step(np.zeros(8, int))[1].shape == (8,))

# The Parallel API.
pe = se.parallel_env(overrides={"graph.agents": 6, "graph.type": "ring", "graph.k": 1,
                                "env.horizon": 3}, lam=0.1)
ag = pe.possible_agents
check("parallel_env: possible_agents, spaces with shape and n",
      ag == [f"agent_{i}" for i in range(6)] and pe.observation_space(ag[0]).shape == (6,)
      and pe.action_space(ag[0]).n == 6 and pe.agents == [], (ag, pe.observation_space(ag[0])))
obs, infos = pe.reset(seed=3)
check("parallel_env: reset(seed) gives observations and infos by agent",
      pe.agents == ag and set(obs) == set(ag) and set(infos) == set(ag)
      and all(obs[a].shape == (6,) and obs[a][-1] == np.float32(0.1) for a in ag))
steps = []
while pe.agents:
    steps.append(pe.step({a: pe.action_space(a).sample() for a in pe.agents}))
o, r, te, tr, inf = steps[-1]
check("parallel_env: step(dict) gives five dicts by agent, truncated at the horizon, agents emptied",
      len(steps) == 3 and all(set(x) == set(ag) for x in (o, r, te, tr, inf))
      and all(tr.values()) and not any(te.values()) and {"cost", "served", "arrived", "pending"} <= set(inf[ag[0]]),
      len(steps))
refused("parallel_env: a missing action", lambda: (pe.reset(), pe.step({ag[0]: 1})), KeyError,
        "no action for agent_1")
print("DONE")
EOF
rc=$?
relay <"$TMP/py.out"
ok "the Python checks ran to the end" test $rc -eq 0 -a "$(tail -1 "$TMP/py.out")" = DONE

# ---- import samarl without the library --------------------------------------------------
SAMARL_LIB=$TMP/missing.so $PY -c '
import samarl, samarl.env
try:
    samarl.env.make()
except OSError as e:
    print("refused:", e)
' >"$TMP/nolib" 2>&1
like "import samarl and samarl.env work without the library; make() says where it looked" \
  "$TMP/nolib" "^refused: cannot load samarl's shared library .*missing\.so.*SAMARL_LIB"

# ---- one rank only ----------------------------------------------------------------------
# Each rank writes its own file: two ranks' output through mpirun can
# interleave in one stream when the machine is busy.
rm -f "$TMP"/np2.*
run_np 2 /usr/bin/python3 -c '
import os, sys, samarl.env
out = open(sys.argv[1] + "." + os.environ.get("OMPI_COMM_WORLD_RANK", "x"), "w")
try:
    samarl.env.make(overrides={"graph.agents": 10})
    print("not refused", file=out)
except samarl.env.SamarlError as e:
    print("refused:", e, file=out)
' "$TMP/np2" >"$TMP/np2" 2>&1
cat "$TMP"/np2.* >>"$TMP/np2" 2>/dev/null
if [[ $(cat "$TMP"/np2.[01] 2>/dev/null | grep -c "^refused: this process is one of 2 MPI ranks (started by mpirun)") -eq 2 ]]; then
  pass "under mpirun -np 2 each rank is refused: the step API runs on one rank"
else
  fail "under mpirun -np 2 each rank is refused"; sed 's/^/#   /' "$TMP/np2" | tail -5
fi

# ---- the C API from C --------------------------------------------------------------------
cat >"$TMP/capi.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "samarl/api.h"
int main(void)
{
    samarl_env_t *e;
    const char *bad[] = {"graph.agentz=4"}, *set[] = {"graph.agents=4", "graph.type=ring", "graph.k=1"};
    if (samarl_env_create(NULL, bad, 1, &e) != SAMARL_API_ERR || e) return 1;
    printf("refused: %s\n", samarl_errmsg());
    if (samarl_env_create(NULL, set, 3, &e) != 0) return 2;
    float obs[4 * 6], r[4], g[4], p[4];
    const uint8_t act[4] = {0, 1, 2, 5};
    if (samarl_env_observe(e, NULL, obs) != 0) return 3;
    if (samarl_env_step(e, act, NULL, obs, r, g, NULL, NULL, p) != 0) return 4;
    float sc[4];
    samarl_env_scales(e, sc);
    printf("agents %lld obs %d levels %d step %lld usage %g %s\n", (long long)samarl_env_agents(e),
           samarl_env_obs_size(e), samarl_env_action_levels(e),
           (long long)samarl_env_step_count(e), g[0], g[3] == 2.5f * sc[3] ? "2.5a" : "wrong");
    samarl_env_destroy(e);
    return 0;
}
EOF
if cc -std=c11 -Iinclude -o "$TMP/capi" "$TMP/capi.c" -L"$(dirname "$SO")" -lsamarl \
  -Wl,-rpath,"$(cd "$(dirname "$SO")" && pwd)" >"$TMP/cc.log" 2>&1; then
  timeout -k 5 "$(tlimit 60)" "$TMP/capi" >"$TMP/capi.out" 2>&1
  echo "exit $?" >>"$TMP/capi.out"
  like "a C program links libsamarl.so, is refused with samarl's message, creates, observes and steps" \
    "$TMP/capi.out" "refused: .*unknown key 'agentz'(.|$)"
  like "... with the sizes, the counter and usage = level x scale" "$TMP/capi.out" \
    "^agents 4 obs 6 levels 6 step 1 usage 0 2\\.5a$"
  like "... and exits 0 (MPI finalised at exit)" "$TMP/capi.out" "^exit 0$"
else
  fail "a C program compiles against include/samarl/api.h and links libsamarl.so"
  sed 's/^/#   /' "$TMP/cc.log" | tail -10
fi

# ---- the example ---------------------------------------------------------------------------
start=$SECONDS
$PY python/examples/independent_learner.py --agents 32 --episodes 6 >"$TMP/example.out" 2>&1
echo "exit $? in $((SECONDS - start)) s" >>"$TMP/example.out"
like "python/examples/independent_learner.py trains, evaluates and exits 0" "$TMP/example.out" \
  "^exit 0 in"
like "... printing its returns" "$TMP/example.out" "^evaluation: greedy return -?[0-9.]+ per agent"
diag "$(grep -E '^(episode  6|evaluation|exit)' "$TMP/example.out" | tr '\n' ' ')"

done_testing
