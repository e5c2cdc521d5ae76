# The networked trainers (src/train/scal.c): scal-mappo-l, happo, ippo-l and
# mappo-l-local
# on DR-net through samarl train. Bit-identical on 1-4 ranks (the three orders,
# each factor, shell-mean and slot inputs, and a random partition with the
# most hand-offs of the factor); --resume on another rank count = one run;
# the factor is passed between ranks only where the order crosses them;
# bytes per step grow with kappa; scal-mappo-l learns to hold the feeder
# limits; bad input refused on every rank.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
VOLATILE=(/timers /@n_ranks /@config)
jq_() { $PY -c "import json, sys; r = json.load(open('$1'))['results']; v = $2; print(v); sys.exit(0 if v is not False else 1)"; }
NET=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48
     --set env.horizon=24 --set train.copies=4 --set train.eval_copies=2 --set train.eval_every=2
     --set train.critic_hidden=16 --set policy.hidden=16 --set train.iterations=3)

# ---- bits on 1-4 ranks --------------------------------------------------------------
cases=("scal-k2:--set train.algo=scal-mappo-l --set train.kappa=2"
       "scal-k1-slots-fixed-clip1:--set train.algo=scal-mappo-l --set train.kappa_input=slots --set train.order=fixed --set train.factor=clip1"
       "scal-own:--set train.algo=scal-mappo-l --set train.lagrangian=own"
       "scal-colour:--set train.algo=scal-mappo-l --set train.order=colour"
       "happo-k1:--set train.algo=happo"
       "ippo-l:--set train.algo=ippo-l"
       "mlocal:--set train.algo=mappo-l-local"
       "shared:--set train.algo=scal-mappo-l --set train.kappa=2 --set policy.sharing=shared")
for c in "${cases[@]}"; do
  tag=${c%%:*}; read -ra args <<<"${c#*:}"
  for np in 1 2 3 4; do
    run_np $np $SAMARL train -q "${NET[@]}" "${args[@]}" -o "$TMP/$tag.$np.h5" >"$TMP/$tag.$np.log" 2>&1 ||
      { diag "$tag np=$np failed"; tail -3 "$TMP/$tag.$np.log"; }
  done
  for np in 2 3 4; do
    ok "$tag: policy.h5 (actors, critics, multipliers, curve) on $np ranks = 1 rank, bit for bit" \
      $PY "$here/h5same.py" "$TMP/$tag.1.h5" "$TMP/$tag.$np.h5" "${VOLATILE[@]}"
  done
done
run_np 4 $SAMARL train -q "${NET[@]}" --set train.algo=scal-mappo-l --set train.kappa=2 \
  --set partition.method=block -o "$TMP/blk.h5" >"$TMP/blk.log" 2>&1
ok "scal-mappo-l: block partition on 4 ranks (other hand-offs of the factor) = METIS on 1 rank" \
  $PY "$here/h5same.py" "$TMP/scal-k2.1.h5" "$TMP/blk.h5" "${VOLATILE[@]}" /graph
ok "the comparison can fail: kappa 2 and kappa 1 differ" \
  bash -c "! $PY $here/h5same.py $TMP/scal-k2.1.h5 $TMP/happo-k1.1.h5 ${VOLATILE[*]} >/dev/null"

# ---- the factor's hand-offs and the bytes -----------------------------------------------
ok "1 rank: the factor never leaves the rank" jq_ "$TMP/scal-k2.1.json" "r['handoffs'] == 0"
ok "3 ranks: the factor is handed between ranks" jq_ "$TMP/scal-k2.3.json" "r['handoffs'] > 0"
ok "ippo-l: independent updates hand nothing" jq_ "$TMP/ippo-l.3.json" "r['handoffs'] == 0"
ok "happo (unconstrained) still measures DR-net's violations, and has no multipliers" \
  jq_ "$TMP/happo-k1.3.json" "r['eval_violation_mean'] > 0 and r['lambda_local_max'] == 0"
ok "colour order: no hand-offs, and at least 5 classes (the 2-hop graph of a ring with 2 neighbours a side needs 5)" \
  jq_ "$TMP/scal-colour.3.json" "r['handoffs'] == 0 and r['colours'] >= 5 and r['order'] == 'colour'"
ok "mappo-l-local: each agent's critics read the global state (48 agents x 6 features), scal-mappo-l's its 2-hop input (3 x 6)" \
  jq_ "$TMP/mlocal.3.json" "r['critic_inputs'] == 288 and r['kappa'] == 1 and r['handoffs'] > 0"
ok "... and the global state's all-gather is counted in the bytes per iteration" \
  jq_ "$TMP/mlocal.3.json" "r['bytes_per_iteration'] > r['bytes_per_step'] * 24 + r['handoffs'] * 96 * 8"
ok "shared actor: one network, no factor and no hand-offs; critics and multipliers per agent" \
  bash -c "$PY -c \"import h5py, sys; f = h5py.File('$TMP/shared.3.h5'); sys.exit(not (f['/params'].shape[0] == 1 and f['/critic_local/params'].shape[0] == 48 and f['/lambda_local'].shape == (48, 1)))\" && $PY -c \"import json, sys; r = json.load(open('$TMP/shared.3.json'))['results']; sys.exit(not (r['factor'] == 'none' and r['handoffs'] == 0))\""
ok "the comparison can fail: a shared actor and one per agent differ" \
  bash -c "! $PY $here/h5same.py $TMP/scal-k2.1.h5 $TMP/shared.1.h5 ${VOLATILE[*]} >/dev/null"
ok "scal-mappo-l's critics read the kappa-hop input" jq_ "$TMP/scal-k2.3.json" "r['critic_inputs'] == 18"
b0=$(jq_ "$TMP/ippo-l.3.json" "r['bytes_per_step']")
b1=$(jq_ "$TMP/scal-own.3.json" "r['bytes_per_step']")
b2=$(jq_ "$TMP/scal-k2.3.json" "r['bytes_per_step']")
if [[ -n $b0 && -n $b1 && -n $b2 ]] && ((b0 < b1 && b1 < b2)); then
  pass "bytes per step grow with kappa on 3 ranks: kappa 0 $b0 < kappa 1 (own) $b1 < kappa 2 $b2"
else fail "bytes per step grow with kappa: '$b0' '$b1' '$b2'"; fi

# ---- resume -----------------------------------------------------------------------------
run_np 2 $SAMARL train -q "${NET[@]}" --set train.algo=scal-mappo-l --set train.kappa=2 \
  --set train.iterations=2 -o "$TMP/half.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${NET[@]}" --set train.algo=scal-mappo-l --set train.kappa=2 \
  --set train.iterations=3 --resume "$TMP/half.h5" -o "$TMP/resumed.h5" >"$TMP/resumed.log" 2>&1
ok "scal-mappo-l: 2 iterations on 2 ranks, --resume to 3 on 3 ranks = 3 at once, bit for bit" \
  $PY "$here/h5same.py" "$TMP/scal-k2.1.h5" "$TMP/resumed.h5" "${VOLATILE[@]}" /train/eval_iteration /train/eval_return /train/eval_usage

# ---- learning ------------------------------------------------------------------------------
run_np 2 $SAMARL train -q --set env.name=drnet --set graph.type=ring --set graph.k=2 \
  --set graph.agents=32 --set env.horizon=48 --set train.copies=8 --set train.iterations=40 \
  --set train.eval_every=40 --set train.eval_copies=4 --set train.algo=scal-mappo-l \
  --set train.dual_lr=2 -o "$TMP/learn.h5" >"$TMP/learn.log" 2>&1
ok "scal-mappo-l, 32 agents, 40 iterations: evaluation violation mean <= 2% of F, reward within 10% of the yardstick's -0.259" \
  jq_ "$TMP/learn.json" "r['eval_violation_mean'] <= 0.02 and r['eval_team_reward'] >= -0.285"

# ---- samarl run executes the kappa-hop policies ----------------------------------------------
RUNK=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48
      --set run.days=2 --set dual.mode=local-cost --set dual.eta=0.05)
for np in 1 3; do
  run_np $np $SAMARL run -q "${RUNK[@]}" --policy "$TMP/scal-k2.1.h5" -o "$TMP/krun$np.h5" \
    >"$TMP/krun$np.log" 2>&1 || { diag "run np=$np failed"; tail -3 "$TMP/krun$np.log"; }
done
ok "samarl run: a kappa = 2 policy (one exchange of observations per step) on 3 ranks = 1 rank" \
  $PY "$here/h5same.py" "$TMP/krun1.h5" "$TMP/krun3.h5" /timers /summary@wall_s \
  /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut
ok "... with the feeder summary of DR-net" \
  bash -c "h5dump -a /summary/feeder_violation_mean $TMP/krun1.h5 | grep -q '(0)'"
for np in 1 3; do
  run_np $np $SAMARL run -q "${RUNK[@]}" --set dual.mode=fixed --set dual.start=policy \
    --policy "$TMP/scal-k2.1.h5" -o "$TMP/lrun$np.h5" >"$TMP/lrun$np.log" 2>&1 ||
    { diag "dual.start=policy np=$np failed"; tail -3 "$TMP/lrun$np.log"; }
done
ok "dual.start = policy: every agent holds the multiplier its trainer left (mean of /lambda_local)" \
  $PY -c "import h5py, json, sys; l = h5py.File('$TMP/scal-k2.1.h5')['/lambda_local'][:]; r = json.load(open('$TMP/lrun3.json'))['results']; print(l.mean(), r['lambda_mean']); sys.exit(not (l.max() > 0 and abs(r['lambda_mean'] - l.astype('f8').mean()) < 1e-6))"
ok "... the same on 3 ranks as on 1" \
  $PY "$here/h5same.py" "$TMP/lrun1.h5" "$TMP/lrun3.h5" /timers /summary@wall_s \
  /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut
ok "the comparison can fail: starting from dual.lambda0 differs" \
  bash -c "! $PY $here/h5same.py $TMP/lrun1.h5 $TMP/krun1.h5 /timers /summary@wall_s /summary@agent_steps_per_s /@config >/dev/null"
cp "$TMP/scal-k2.1.h5" "$TMP/nolam.h5"
$PY -c "import h5py; f = h5py.File('$TMP/nolam.h5', 'r+'); del f['/lambda_local']"
expect_error "dual.start = policy with a policy file without per-agent multipliers" 2 \
  "has no multiplier per agent for 48 agents.*dual.start = lambda0" \
  $SAMARL run -q "${RUNK[@]}" --set dual.mode=fixed --set dual.start=policy --policy "$TMP/nolam.h5" -o "$TMP/x.h5"
expect_error "dual.start = policy with a consensus rule" 2 "dual.mode = consensus mixes its multipliers.*fixed, local-cost and feeder" \
  $SAMARL run -q "${RUNK[@]}" --set dual.mode=consensus --set dual.start=policy --policy "$TMP/scal-k2.1.h5" -o "$TMP/x.h5"
expect_error "dual.start = policy without --policy" 2 "dual.start = policy starts each agent.*pass --policy FILE" \
  $SAMARL run -q --set env.name=drnet --set dual.mode=fixed --set dual.start=policy --set policy.type=bestresponse -o "$TMP/x.h5"

# ---- refusals -------------------------------------------------------------------------------
expect_error "scal-mappo-l on an environment without a local cost" 2 \
  "train.algo = scal-mappo-l constrains each agent's local cost.*env.name = dr has none.*train.algo = happo" \
  $SAMARL train -q --set train.algo=scal-mappo-l --set graph.agents=16 -o "$TMP/x.h5"
expect_error "kappa whose halo would not fit is refused, naming train.kappa" 2 \
  "train.kappa = 2: rank [0-9]+ would hold .*Lower train.kappa" \
  $SAMARL train -q "${NET[@]}" --set graph.agents=24 --set train.algo=scal-mappo-l --set train.kappa=2 -o "$TMP/x.h5"
expect_error "--resume with another kappa names the input size and train.kappa" 2 "made for the input size .*train.kappa.* = 18, but this configuration has 12" \
  $SAMARL train -q "${NET[@]}" --set train.algo=scal-mappo-l --set train.kappa=1 --set train.iterations=4 \
  --resume "$TMP/half.h5" -o "$TMP/x.h5"
expect_error "--resume of a per-agent file with a shared actor names the sharing" 2 "shar" \
  $SAMARL train -q "${NET[@]}" --set train.algo=scal-mappo-l --set train.kappa=2 --set train.iterations=4 \
  --set policy.sharing=shared --resume "$TMP/half.h5" -o "$TMP/x.h5"
expect_error "--resume of a scal-mappo-l file by mappo-l-local names both trainers" 2 \
  "was trained with train.algo = scal-mappo-l, this configuration has mappo-l-local" \
  $SAMARL train -q "${NET[@]}" --set train.algo=mappo-l-local --set train.kappa=2 --set train.iterations=4 \
  --resume "$TMP/half.h5" -o "$TMP/x.h5"
expect_error "mappo-l-local's memory guard refuses 16384 agents (about 2.6 TB) before allocating (critics of N x D inputs)" 2 \
  "mappo-l-local with train.kappa = 1 needs about [0-9.e+]+ GB more memory.*98304 inputs.*growing as N\\^2.*MemAvailable" \
  $SAMARL train -q --set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=16384 \
  --set train.algo=mappo-l-local -o "$TMP/x.h5"
expect_error "scal-mappo-l's memory guard refuses a rollout that would not fit, before allocating" 2 \
  "scal-mappo-l with train.kappa = 2 needs about [0-9.e+]+ GB more memory.*MemAvailable.*lower train.kappa, train.copies or env.horizon" \
  $SAMARL train -q --set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=8192 \
  --set train.algo=scal-mappo-l --set train.kappa=2 --set train.copies=4096 -o "$TMP/x.h5"
expect_error "kappa hops on a disconnected graph are refused, naming the components and the key that allows them" 2 \
  "is disconnected: [0-9]+ connected components.*graph.allow_disconnected = true" \
  $SAMARL train -q "${NET[@]}" --set graph.type=rgg --set graph.radius=0.05 --set train.algo=scal-mappo-l \
  --set train.kappa=2 -o "$TMP/x.h5"
ok "... and none of them left output" test ! -e "$TMP/x.h5"
run_np 2 $SAMARL train -q "${NET[@]}" --set graph.type=rgg --set graph.radius=0.05 \
  --set graph.allow_disconnected=true --set train.algo=scal-mappo-l --set train.kappa=2 \
  -o "$TMP/disc.h5" >"$TMP/disc.log" 2>&1
ok "... allowed, an agent without neighbours reads empty shells and trains" test -s "$TMP/disc.h5"
run_np 2 $SAMARL train -q --set train.algo=happo --set graph.agents=32 --set graph.type=ring \
  --set env.horizon=24 --set train.copies=4 --set train.iterations=2 -o "$TMP/hdr.h5" >"$TMP/hdr.log" 2>&1
ok "happo (no constraint) trains on DR-v1, whose only cost is the shared usage" test -s "$TMP/hdr.h5"
done_testing
