# Learning that scales with the agent (docs/learning-scale.md): rewards
# divided by each agent's scale a_i (train.reward_scale = agent) with the
# returns still reported in $, and per-network PopArt value heads
# (train.value_norm), whose moments are in policy.h5, the same on any
# number of ranks, and carried by --resume bit for bit.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
# Six households whose scales differ (lognormal, log-sd 1.2).
SMALL=(--set graph.agents=6 --set graph.type=ring --set graph.k=1 --set env.horizon=24
       --set env.heterogeneity=1.2 --set train.copies=4 --set train.minibatches=2
       --set train.epochs=2 --set train.eval_every=2 --set train.eval_copies=2
       --set policy.hidden=8)
same() { h5diff "$1" "$2" "$3" "$3"; }

# The PopArt state: one row of three per agent, the same bits on 1 and 3 ranks.
run_np 1 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 -o "$TMP/a1.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 -o "$TMP/a3.h5" >/dev/null 2>&1
ok "policy.h5 holds /value_norm [agents][3]" bash -c "h5ls '$TMP/a1.h5/value_norm' | grep -q '{6, 3}'"
ok "/value_norm: the same bits on 1 and 3 ranks" same "$TMP/a1.h5" "$TMP/a3.h5" /value_norm
ok "/params: the same bits on 1 and 3 ranks" same "$TMP/a1.h5" "$TMP/a3.h5" /params
run_np 2 $SAMARL train -q "${SMALL[@]}" --set policy.sharing=shared --set train.iterations=4 -o "$TMP/s2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${SMALL[@]}" --set policy.sharing=shared --set train.iterations=4 -o "$TMP/s3.h5" >/dev/null 2>&1
ok "shared network: one /value_norm row" bash -c "h5ls '$TMP/s2.h5/value_norm' | grep -q '{1, 3}'"
ok "shared network: /value_norm the same bits on 2 and 3 ranks" same "$TMP/s2.h5" "$TMP/s3.h5" /value_norm

# --resume: 2 + 2 iterations on other rank counts equal 4 straight, moments included.
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.iterations=2 -o "$TMP/r2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 --resume "$TMP/r2.h5" -o "$TMP/r22.h5" >"$TMP/resume.log" 2>&1
bad=
for d in /params /adam_m /adam_v /value_norm /train/aug_reward /train/value_loss; do
  same "$TMP/a1.h5" "$TMP/r22.h5" "$d" >/dev/null 2>&1 || bad="$bad $d"
done
if [[ -z $bad ]]; then pass "--resume after 2 iterations = 4 straight, PopArt moments included"
else fail "--resume differs in:$bad"; sed 's/^/#   /' "$TMP/resume.log" | tail; fi
if ! same "$TMP/r2.h5" "$TMP/a1.h5" /value_norm >/dev/null 2>&1; then
  pass "the moments move between iteration 2 and 4 (the resume test can fail)"
else fail "/value_norm did not change after iteration 2"; fi

# A file without the state cannot continue with it.
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.value_norm=false --set train.iterations=2 -o "$TMP/nv.h5" >/dev/null 2>&1
ok "train.value_norm = false writes no /value_norm" bash -c "! h5ls '$TMP/nv.h5/value_norm' >/dev/null 2>&1"
expect_error "resuming it with value_norm refuses, naming the setting" 2 "train.value_norm = false" \
  $SAMARL train "${SMALL[@]}" --set train.iterations=4 --resume "$TMP/nv.h5" -o "$TMP/x.h5"

# The value targets' scale is per agent: without reward scaling each
# agent's running sd grows with its a_i; with it, the sds are alike.
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.reward_scale=none --set train.iterations=4 -o "$TMP/raw.h5" >/dev/null 2>&1
cat >"$TMP/sd.py" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
vn = f["/value_norm"][()].astype(np.float64)
a = f["/agents/scale"][()].astype(np.float64)
mu = vn[:, 0] / vn[:, 2]
sd = np.sqrt(vn[:, 1] / vn[:, 2] - mu * mu)
rng = a.max() / a.min()
ratio = sd.max() / sd.min()
rho = np.corrcoef(np.log(a), np.log(sd))[0, 1]
print(f"scales {a.min():.3g}..{a.max():.3g} ({rng:.3g}x), return sd {sd.min():.3g}..{sd.max():.3g} ({ratio:.3g}x), corr(log a, log sd) {rho:.3f}")
mode = sys.argv[2]
if mode == "raw":
    ok = rho > 0.9 and ratio > rng ** 0.5
else:
    ok = ratio < rng ** 0.5
sys.exit(0 if ok else 1)
EOF
if $PY "$TMP/sd.py" "$TMP/raw.h5" raw >"$TMP/sd.raw" 2>&1; then
  pass "reward_scale = none: each agent's value-target sd follows its scale ($(cat "$TMP/sd.raw"))"
else fail "reward_scale = none: value-target sd does not follow the scale"; sed 's/^/#   /' "$TMP/sd.raw"; fi
if $PY "$TMP/sd.py" "$TMP/a1.h5" scaled >"$TMP/sd.agent" 2>&1; then
  pass "reward_scale = agent: the sds are alike whatever the scale ($(cat "$TMP/sd.agent"))"
else fail "reward_scale = agent: value-target sds still follow the scale"; sed 's/^/#   /' "$TMP/sd.agent"; fi

# Returns are reported in $ either way: iteration 0 acts with the same
# initial networks, so its reported training reward is the same bits.
cat >"$TMP/first.py" <<'EOF'
import sys, h5py
a, b = (h5py.File(p, "r")["/train/aug_reward"][0] for p in sys.argv[1:3])
print(a, b)
sys.exit(0 if a == b else 1)
EOF
ok "the reported training reward keeps its units (iteration 0 equal with and without scaling)" \
  $PY "$TMP/first.py" "$TMP/a1.h5" "$TMP/raw.h5"
done_testing
