# ALTERNATING-MARL's tabular algorithm (src/train/altmarl.c, seed 002) on
# the public code's robots task: its tables, the count vectors' order and
# rounding, and trained at k = 1, 5 and 20 with 1000 local agents split
# across 1-4 ranks, the public protocol's return within the public
# figure's error bar at each k, the same bits on every rank count, 160
# bytes reduced per step; bad k refused (tests/test_altmarl.c). Then the
# trainer through samarl train (train.algo = altmarl on env.name = robots):
# the policy file the same bits on 1-4 ranks, the public protocol's return at
# k = 5 within the public figure's bar, --resume and --restart continuing bit
# for bit, and bad input refused on every rank with nothing written; and
# dual.mode = sampled (an aggregator pricing from k sampled households): k =
# N is central's run bit for bit, k = 20 the same on 1-4 ranks.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
ranks_checksum "$SAMARL_BUILD/tests/test_altmarl" altmarl "the returns"
grep -E '^ok .*(k = [0-9]+, n|rounding|order)' "$TMP/a.1" | sed 's/^/#   /'

# ---- samarl train --set train.algo=altmarl ------------------------------------------
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut)
same() { $PY "$here/h5same.py" "$@"; }
ROB=(--set env.name=robots --set train.algo=altmarl --set graph.agents=1000 --set graph.type=ring
     --set altmarl.k=5 --set train.iterations=10 --set env.horizon=50 --set train.eval_copies=50)
for np in 1 2 3 4; do
  run_np $np $SAMARL train -q "${ROB[@]}" -o "$TMP/rob$np.h5" >"$TMP/rob$np.log" 2>&1 ||
    { diag "altmarl on $np ranks failed"; tail -3 "$TMP/rob$np.log"; }
done
like "samarl train: the alternation stops by the public code's 1% rule" "$TMP/rob1.log" \
  'altmarl: [0-9] round\(s\), values .*; stopped by the 1% rule'
for np in 2 3 4; do
  ok "samarl train: the policy file on $np ranks = 1 rank's, bit for bit" \
    same "$TMP/rob1.h5" "$TMP/rob$np.h5" "${VOLATILE[@]}"
done
ok "samarl train: the file holds the dispatcher [C(9, 4) = 126][5 zones], the local policy [25][3], no networks" \
  $PY - "$TMP/rob1.h5" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f["altmarl/dispatcher"].shape == (126, 5) and f["altmarl/local_policy"].shape == (25, 3)
d = f["altmarl/dispatcher"][...]
assert d.min() >= 0 and d.max() <= 4
assert np.allclose(f["altmarl/local_policy"][...].sum(axis=1), 1)
assert f.attrs["n_nets"] == 0 and "params" not in f and f.attrs["sharing"] == "none"
assert f.attrs["iterations"] == f["altmarl"].attrs["rounds"] == len(f["altmarl/values"])
PYEOF
ok "python: samarl.open_dataset reads it, the tables on their dimensions" \
  env PYTHONPATH="$here/../python" $PY - "$TMP/rob1.h5" <<'PYEOF'
import sys, samarl
ds = samarl.open_dataset(sys.argv[1])
assert ds.altmarl_dispatcher.dims == ("count_vector", "zone") and ds.sizes["count_vector"] == 126
assert ds.altmarl_values.dims == ("iteration",) and ds.altmarl_local_policy.shape == (25, 3)
PYEOF
ok "samarl train: k = 5, n = 1000, 50 rollouts x 50 steps: return within the public figure's 85.85 +- 0.84" \
  $PY - "$TMP/rob1.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
v = r["final_eval"]["0"]
print(v, r["altmarl"])
assert abs(v - 85.85) <= 0.84 and r["algo"] == "altmarl" and r["altmarl"]["k"] == 5
PYEOF
run_np 2 $SAMARL train -q "${ROB[@]}" --set graph.agents=100000 --set train.iterations=1 \
  --set train.eval_copies=1 -o "$TMP/rob1e5.h5" >"$TMP/rob1e5.log" 2>&1 || diag "n = 10^5 failed"
ok "the run record: 160 bytes reduced per step at n = 1000 and at n = 100000" \
  $PY - "$TMP/rob1.json" "$TMP/rob1e5.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p))["results"]["altmarl"] for p in sys.argv[1:])
print(a["n_agents"], a["bytes_reduced_per_step"], b["n_agents"], b["bytes_reduced_per_step"])
assert (a["n_agents"], b["n_agents"]) == (1000, 100000)
assert a["bytes_reduced_per_step"] == b["bytes_reduced_per_step"] == 160
PYEOF

# --resume continues the alternation bit for bit (rounds without the stopping rule)
NS=("${ROB[@]}" --set altmarl.stop=false --set altmarl.k=8 --set train.eval_every=1)
run_np 2 $SAMARL train -q "${NS[@]}" --set train.iterations=6 -o "$TMP/ns6.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${NS[@]}" --set train.iterations=3 -o "$TMP/ns3.h5" >/dev/null 2>&1
run_np 2 $SAMARL train -q "${NS[@]}" --set train.iterations=6 --resume "$TMP/ns3.h5" \
  -o "$TMP/ns36.h5" >"$TMP/ns36.log" 2>&1
ok "--resume: 3 rounds on 3 ranks then 3 more on 2 = 6 rounds uninterrupted, bit for bit" \
  same "$TMP/ns6.h5" "$TMP/ns36.h5" "${VOLATILE[@]}" /@config
run_np 1 $SAMARL train -q "${ROB[@]}" --resume "$TMP/rob1.h5" -o "$TMP/rob1r.h5" >"$TMP/rob1r.log" 2>&1
ok "--resume of a stopped alternation runs no round and keeps it" \
  same "$TMP/rob1.h5" "$TMP/rob1r.h5" "${VOLATILE[@]}"

# ---- refusals: every rank fails, nothing is written ---------------------------------
expect_error "k > n is refused, naming the bound" 2 "altmarl.k = 1001: .*1 <= k <= n" \
  $SAMARL train -q "${ROB[@]}" --set altmarl.k=1001 -o "$TMP/bad.h5"
ok "... and writes nothing" test ! -e "$TMP/bad.h5"
expect_error "k = 0 is refused by the configuration" 2 "altmarl.k" \
  $SAMARL train -q "${ROB[@]}" --set altmarl.k=0 -o "$TMP/bad.h5"
expect_error "tables bigger than memory are refused before allocating, with the figures" 2 \
  "C\(k \+ 4, 4\) = [0-9]+ count vectors .* GB on this node .*MemAvailable" \
  env SAMARL_MEM_AVAILABLE=100000000 $SAMARL train -q "${ROB[@]}" --set altmarl.k=200 -o "$TMP/bad.h5"
ok "... and writes nothing" test ! -e "$TMP/bad.h5"
expect_error "a trainer without a global agent on robots says so and names altmarl" 2 \
  "cannot train env.name = robots: .*global agent.*trainers that can: altmarl" \
  $SAMARL train -q "${ROB[@]}" --set train.algo=ppo -o "$TMP/bad.h5"
expect_error "altmarl on an environment without a global agent is refused, naming robots" 2 \
  "train.algo = altmarl trains a global agent .*env.name = dr has none .*robots" \
  $SAMARL train -q --set train.algo=altmarl --set graph.agents=64 -o "$TMP/bad.h5"
expect_error "samarl eval does not step robots' agents, and says so" 1 \
  "env.name = robots is a global agent .*samarl train trains it" \
  $SAMARL eval --set env.name=robots --set graph.agents=100 --set policy.type=bestresponse
run_np 1 $SAMARL train -q --set graph.agents=1000 --set graph.type=ring --set train.iterations=1 \
  --set policy.hidden=8 -o "$TMP/net.h5" >/dev/null 2>&1
expect_error "--resume of a file of networks is refused: altmarl learns tables" 2 \
  "net.h5 holds [0-9]+ trained network\(s\), and train.algo = altmarl learns tables" \
  $SAMARL train -q "${ROB[@]}" --resume "$TMP/net.h5" -o "$TMP/bad.h5"
expect_error "--resume with another k is refused, naming both" 2 \
  "trained with altmarl.k = 5, .*altmarl.k = 6" \
  $SAMARL train -q "${ROB[@]}" --set altmarl.k=6 --resume "$TMP/rob1.h5" -o "$TMP/bad.h5"

# ---- dual.mode = sampled: a price-setting aggregator that sees k households ----------
DR=(--set policy.type=bestresponse --set graph.agents=200 --set graph.type=ring --set graph.k=2
    --set run.days=3)
run_np 2 $SAMARL run -q "${DR[@]}" --set dual.mode=central -o "$TMP/central.h5" >/dev/null 2>&1
run_np 3 $SAMARL run -q "${DR[@]}" --set dual.mode=sampled --set dual.sample_k=200 \
  -o "$TMP/s200.h5" >/dev/null 2>&1
ok "sampled with k = N is central's run, bit for bit" \
  same "$TMP/central.h5" "$TMP/s200.h5" "${VOLATILE[@]}" /@config /@dual_mode /summary@dual_mode
for np in 1 2 3 4; do
  run_np $np $SAMARL run -q "${DR[@]}" --set dual.mode=sampled --set dual.sample_k=20 \
    -o "$TMP/s20.$np.h5" >"$TMP/s20.$np.log" 2>&1 || { diag "sampled on $np ranks failed"; tail -3 "$TMP/s20.$np.log"; }
done
for np in 2 3 4; do
  ok "sampled with k = 20 on $np ranks = 1 rank's run, bit for bit" \
    same "$TMP/s20.1.h5" "$TMP/s20.$np.h5" "${VOLATILE[@]}"
done
ok "... and a k-sample's price differs from central's" bash -c \
  "! $PY $here/h5same.py $TMP/central.h5 $TMP/s20.1.h5 ${VOLATILE[*]} /@config /@dual_mode /summary@dual_mode >/dev/null"
expect_error "sampled with k > N is refused, naming the key" 2 "dual.sample_k" \
  $SAMARL run -q "${DR[@]}" --set dual.mode=sampled --set dual.sample_k=201 -o "$TMP/bad.h5"
done_testing
