# The networked actor-critic trainers of seed 004 (Zhang et al. 2018;
# src/train/netac.c, train.algo = netac-q and netac-v) on the networked
# random MDP (src/env/netmdp.c, env.name = netmdp): the model's tables, and
# each algorithm and the central baseline step for step against a serial
# reference on 1-4 ranks (tests/test_netac.c); then through samarl train:
# the policy file the same on 1-4 ranks under lost messages and lying agents
# with a robust rule, --resume on another rank count = one run, lying agents
# drag every critic to their value under the plain mean and not under
# trimmed:2 or the median, and bad input refused on every rank; the same
# algorithms on demand response (each household's observation and its
# multiplier from the dual rule, consensed beside the critics): the same
# bits on 1-4 ranks under faults, --resume, learning; and the per-agent
# critics of ippo-l on DR-net consensed (train.critic_consensus).
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
for np in 1 2 3 4; do
  if run_np $np "$SAMARL_BUILD/tests/test_netac" >"$TMP/a.$np" 2>&1 && ! grep -q '^not ok' "$TMP/a.$np"; then
    pass "test_netac on $np rank(s): the model, and netac-q, netac-v, central = the serial reference"
  else
    fail "test_netac on $np rank(s)"
    grep -E '^not ok|error' "$TMP/a.$np" | head -5 | sed 's/^/#   /'
  fi
done
grep -E '^ok ' "$TMP/a.4" | sed 's/^/#   /'

VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut)
same() { $PY "$here/h5same.py" "$@"; }
NA=(--set env.name=netmdp --set graph.agents=20 --set graph.type=ring --set graph.k=3
    --set netac.steps=200 --set train.iterations=4 --set train.eval_every=1)
FAULTS=(--set faults.link_drop=0.2 --set faults.byzantine=0.1 --set consensus.aggregate=trimmed:2)
for algo in netac-q netac-v; do
  for np in 1 2 3 4; do
    run_np $np $SAMARL train -q "${NA[@]}" "${FAULTS[@]}" --set train.algo=$algo \
      -o "$TMP/$algo.$np.h5" >"$TMP/$algo.$np.log" 2>&1 || { diag "$algo np=$np failed"; tail -3 "$TMP/$algo.$np.log"; }
  done
  for np in 2 3 4; do
    ok "$algo under lost messages and lying agents (trimmed:2): the policy file on $np ranks = 1 rank's, bit for bit" \
      same "$TMP/$algo.1.h5" "$TMP/$algo.$np.h5" "${VOLATILE[@]}"
  done
done
for np in 1 3; do
  run_np $np $SAMARL train -q "${NA[@]}" "${FAULTS[@]}" --set train.algo=netac-v --set netac.critic_hidden=12 \
    --set netac.critic_rate=0.1 -o "$TMP/mlp.$np.h5" >"$TMP/mlp.$np.log" 2>&1 || { diag "mlp np=$np failed"; tail -3 "$TMP/mlp.$np.log"; }
done
ok "netac-v with network critics (2 x 301 parameters, consensed in slices) under faults: 3 ranks = 1, bit for bit" \
  same "$TMP/mlp.1.h5" "$TMP/mlp.3.h5" "${VOLATILE[@]}"
ok "the file holds every agent's critic, actor and average, no networks" \
  $PY - "$TMP/netac-v.1.h5" "$TMP/netac-q.1.h5" <<'PYEOF'
import sys, h5py
v, q = (h5py.File(p, "r") for p in sys.argv[1:])
assert v["netac/critic"].shape == (20, 20) and q["netac/critic"].shape == (20, 10)
assert v["netac/actor"].shape == (20, 5) and v["netac/mu"].shape == (20,)
assert v["netac/team_reward"].shape == (4,) and v.attrs["n_nets"] == 0
assert v["netac"].attrs["steps_done"] == 800
PYEOF
run_np 2 $SAMARL train -q "${NA[@]}" "${FAULTS[@]}" --set train.algo=netac-q --set train.iterations=2 \
  -o "$TMP/r2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${NA[@]}" "${FAULTS[@]}" --set train.algo=netac-q --resume "$TMP/r2.h5" \
  -o "$TMP/r4.h5" >"$TMP/r4.log" 2>&1
ok "--resume: 2 iterations on 2 ranks, then 2 more on 3 = 4 uninterrupted, bit for bit" \
  same "$TMP/netac-q.1.h5" "$TMP/r4.h5" "${VOLATILE[@]}" /@config

# lying agents (10%, sending 100 in place of their critics) under each rule
for agg in mean trimmed:2 median; do
  run_np 2 $SAMARL train -q "${NA[@]}" --set train.algo=netac-q --set faults.byzantine=0.1 \
    --set faults.byzantine_value=100 --set consensus.aggregate=$agg -o "$TMP/byz-$agg.h5" >/dev/null 2>&1
done
run_np 2 $SAMARL train -q "${NA[@]}" --set train.algo=netac-q -o "$TMP/clean.h5" >/dev/null 2>&1
ok "lying agents: the plain mean drags the critics to their 100; trimmed:2 and the median keep them within 5x the fault-free run's" \
  $PY - "$TMP" <<'PYEOF'
import sys, h5py, numpy as np
d = sys.argv[1]
w = {n: np.abs(h5py.File(f"{d}/{n}.h5", "r")["netac/critic"][...]) for n in ("clean", "byz-mean", "byz-trimmed:2", "byz-median")}
print({n: (float(np.median(v)), float(v.max())) for n, v in w.items()})
assert np.median(w["byz-mean"]) > 50
assert w["byz-trimmed:2"].max() < 5 * w["clean"].max() and w["byz-median"].max() < 5 * w["clean"].max()
PYEOF

# netac-q and netac-v on demand response: critics linear in each household's
# observation, actors softmax over its 6 levels, lambda from dual.mode =
# consensus (capacity_ratio 0.5 so that it moves), under lost messages and
# lying agents in both consensuses (the critics' and lambda's).
DRA=(--set env.name=dr --set graph.agents=48 --set graph.type=ring --set graph.k=2 --set env.horizon=24
     --set train.copies=3 --set train.iterations=4 --set train.eval_every=1 --set env.capacity_ratio=0.5
     --set netac.critic_rate=0.2 --set netac.critic_decay=0.3 --set netac.actor_rate=1
     --set netac.actor_decay=0.4 --set dual.epoch=6)
DRF=(--set faults.link_drop=0.2 --set faults.byzantine=0.05 --set consensus.aggregate=trimmed:1)
for algo in netac-q netac-v; do
  for np in 1 2 3 4; do
    run_np $np $SAMARL train -q "${DRA[@]}" "${DRF[@]}" --set train.algo=$algo \
      -o "$TMP/dr-$algo.$np.h5" >"$TMP/dr-$algo.$np.log" 2>&1 || { diag "dr $algo np=$np failed"; tail -3 "$TMP/dr-$algo.$np.log"; }
  done
  for np in 2 3 4; do
    ok "$algo on demand response under lost messages and liars: $np ranks = 1 rank, bit for bit" \
      same "$TMP/dr-$algo.1.h5" "$TMP/dr-$algo.$np.h5" "${VOLATILE[@]}"
  done
done
for np in 1 3; do
  run_np $np $SAMARL train -q "${DRA[@]}" --set train.algo=netac-v --set netac.central=true \
    -o "$TMP/dr-central.$np.h5" >/dev/null 2>&1
done
ok "netac-v's central critic on demand response (exact sums over agents and copies): 3 ranks = 1" \
  same "$TMP/dr-central.1.h5" "$TMP/dr-central.3.h5" "${VOLATILE[@]}"
ok "the file holds the critics (v: 7, team-reward model: 6 x 7), actors (6 x 7), averages and the multipliers" \
  $PY - "$TMP/dr-netac-v.1.h5" "$TMP/dr-netac-v.1.json" "$TMP/dr-netac-q.1.h5" <<'PYEOF'
import json, sys, h5py, numpy as np
v, q = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[3], "r")
assert v["netac/critic"].shape == (48, 49) and q["netac/critic"].shape == (48, 42)
assert v["netac/actor"].shape == (48, 42) and v["netac"].attrs["steps_done"] == 4 * 24
lam = v["state/lambda"][...]
print("lambda", lam.min(), lam.max())
assert lam.shape == (48,) and lam.max() > 0
r = json.load(open(sys.argv[2]))["results"]
assert r["netac_env"]["dual"] == "consensus" and r["netac_env"]["copies"] == 3 and r["netac_env"]["usage"] > 0
PYEOF
run_np 2 $SAMARL train -q "${DRA[@]}" "${DRF[@]}" --set train.algo=netac-v --set train.iterations=2 \
  -o "$TMP/dr2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${DRA[@]}" "${DRF[@]}" --set train.algo=netac-v --resume "$TMP/dr2.h5" \
  -o "$TMP/dr4.h5" >/dev/null 2>&1
ok "demand response --resume: 2 iterations on 2 ranks, 2 more on 3 = 4 uninterrupted (critics, lambda, epoch sums)" \
  same "$TMP/dr-netac-v.1.h5" "$TMP/dr4.h5" "${VOLATILE[@]}" /@config
# dual.mode = central carries its multiplier in the rule's statistics: they
# are in the file too
run_np 2 $SAMARL train -q "${DRA[@]}" --set train.algo=netac-q --set dual.mode=central \
  --set dual.eta=0.05 -o "$TMP/dc4.h5" >/dev/null 2>&1
run_np 1 $SAMARL train -q "${DRA[@]}" --set train.algo=netac-q --set dual.mode=central \
  --set dual.eta=0.05 --set train.iterations=2 -o "$TMP/dc2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${DRA[@]}" --set train.algo=netac-q --set dual.mode=central \
  --set dual.eta=0.05 --resume "$TMP/dc2.h5" -o "$TMP/dc2r.h5" >/dev/null 2>&1
ok "dual.mode = central: 2 iterations on 1 rank, --resume 2 more on 3 = 4 uninterrupted (lambda > 0)" \
  bash -c "$PY $here/h5same.py $TMP/dc4.h5 $TMP/dc2r.h5 ${VOLATILE[*]} /@config &&
           $PY -c 'import h5py,sys; assert h5py.File(sys.argv[1])[\"state/lambda\"][0] > 0' $TMP/dc4.h5"
run_np 2 $SAMARL train -q "${DRA[@]}" --set train.algo=netac-v --set train.iterations=300 \
  --set env.capacity_ratio=1.3 --set train.eval_every=300 -o "$TMP/learn.h5" >/dev/null 2>&1
ok "netac-v learns on demand response: 300 episodes take the team reward from the uniform policy's ~-0.25 above -0.15" \
  $PY - "$TMP/learn.h5" <<'PYEOF'
import sys, h5py
h = h5py.File(sys.argv[1], "r")["netac/team_reward"][...]
print(h[:3], h[-3:])
assert h[:5].mean() < -0.2 and h[-10:].mean() > -0.15
PYEOF

# Critic consensus on demand response: a trainer with a critic per agent
# (ippo-l on DR-net's households under their feeder limits) averages every
# agent's critics with its neighbours' after each update (train.critic_consensus),
# under lost messages and lying agents with a robust rule.
DRN=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48 --set env.horizon=24
     --set train.copies=4 --set train.eval_copies=2 --set train.eval_every=2 --set train.critic_hidden=16
     --set policy.hidden=16 --set train.iterations=4 --set train.algo=ippo-l)
for np in 1 2 3; do
  run_np $np $SAMARL train -q "${DRN[@]}" --set train.critic_consensus=2 --set faults.link_drop=0.2 \
    --set faults.byzantine=0.05 --set consensus.aggregate=trimmed:1 -o "$TMP/drc.$np.h5" >"$TMP/drc.$np.log" 2>&1 ||
    { diag "drnet critic consensus np=$np failed"; tail -3 "$TMP/drc.$np.log"; }
done
for np in 2 3; do
  ok "ippo-l on DR-net with consensed critics, lost messages and liars: $np ranks = 1, bit for bit" \
    same "$TMP/drc.1.h5" "$TMP/drc.$np.h5" "${VOLATILE[@]}"
done
run_np 2 $SAMARL train -q "${DRN[@]}" -o "$TMP/drl.h5" >/dev/null 2>&1
run_np 2 $SAMARL train -q "${DRN[@]}" --set train.critic_consensus=2 -o "$TMP/drm.h5" >/dev/null 2>&1
ok "consensed critics agree (spread well below the independent critics')" \
  $PY - "$TMP/drl.json" "$TMP/drm.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p))["results"] for p in sys.argv[1:])
print(a["critic_spread"], b["critic_spread"])
assert a["critic_consensus"] == 0 and b["critic_consensus"] == 2
assert b["critic_spread"] < 0.2 * a["critic_spread"]
PYEOF
expect_error "critic consensus with the central critic is refused, naming both" 2 \
  "train.critic_consensus = 2 averages every agent's critic .*train.critic = central keeps one critic" \
  $SAMARL train -q "${DRN[@]}" --set train.algo=hatrpo --set train.critic=central --set train.kappa=0 \
  --set train.critic_consensus=2 -o "$TMP/bad.h5"

expect_error "critic consensus with a trainer that keeps no critic per agent is refused, naming those that do" 2 \
  "train.algo = ppo does not keep \(trainers that can: scal-mappo-l, ippo-l" \
  $SAMARL train -q --set train.algo=ppo --set graph.agents=20 --set train.critic_consensus=2 -o "$TMP/bad.h5"
expect_error "more than 40 agents are refused, naming the bound" 2 "graph.agents = 41, expected at most 40" \
  $SAMARL train -q "${NA[@]}" --set train.algo=netac-q --set graph.agents=41 -o "$TMP/bad.h5"
ok "... and nothing is written" test ! -e "$TMP/bad.h5"
expect_error "network critics on demand response are refused (linear there)" 2 \
  "netac.critic_hidden = 8 is built for env.name = netmdp; on env.name = dr the critics are linear" \
  $SAMARL train -q "${DRA[@]}" --set train.algo=netac-v --set netac.critic_hidden=8 -o "$TMP/bad.h5"
expect_error "a dual rule on another cost channel is refused, naming the rules that fit" 2 \
  "train.algo = netac-q prices the usage g .*dual.mode = feeder steps on cost channel 1" \
  $SAMARL train -q "${DRA[@]}" --set train.algo=netac-q --set dual.mode=feeder -o "$TMP/bad.h5"
expect_error "DR-net (feeder costs that read neighbours, which netac does not price) is refused" 2 \
  "train.algo = netac-q cannot train env.name = drnet: .*hops > 0" \
  $SAMARL train -q "${DRA[@]}" --set env.name=drnet --set train.algo=netac-q -o "$TMP/bad.h5"
expect_error "netac on an environment of joint copies is refused" 2 \
  "train.algo = netac-q cannot train .*whole joint copies" \
  $SAMARL train -q --set env.name=spread --set graph.agents=3 --set graph.type=complete --set train.algo=netac-q -o "$TMP/bad.h5"
ok "... and nothing is written" test ! -e "$TMP/bad.h5"
expect_error "ppo on netmdp is refused, naming netac-q and netac-v" 2 \
  "cannot train env.name = netmdp: .*trainers that can: netac-q, netac-v" \
  $SAMARL train -q "${NA[@]}" --set train.algo=ppo -o "$TMP/bad.h5"
expect_error "--resume with other steps per iteration is refused, naming netac.steps" 2 \
  "this run takes 100 per iteration \(netac.steps; expected the same steps per iteration" \
  $SAMARL train -q "${NA[@]}" --set train.algo=netac-q --set netac.steps=100 --resume "$TMP/r2.h5" -o "$TMP/bad.h5"
expect_error "--resume of a netac-q file as netac-v is refused" 2 "/netac/critic is not \[20\]\[20\]" \
  $SAMARL train -q "${NA[@]}" --set train.algo=netac-v --resume "$TMP/r2.h5" -o "$TMP/bad.h5"
done_testing
