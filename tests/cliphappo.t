# The sequential trust-region trainers of seed 003 (src/train/scal.c presets
# on src/train/trpo.c): hatrpo, clip-happo and clip-hatrpo on DR-net through
# samarl train. Bit-identical on 1-4 ranks (random order; clip-happo also in
# the colour order and with the factored critic's team advantage, and
# clip-hatrpo with the central critic on the global state); --resume on another rank count = one run; the
# per-position record (/positions) has a row per iteration and a column per
# position, the first position's factor is 1, the clipped trainers' weights
# never exceed 1 while their factors do, HAPPO's weights are its factors;
# every agent takes one trust-region step per iteration; refusals.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
VOLATILE=(/timers /@n_ranks /@config)
jq_() { $PY -c "import json, sys; r = json.load(open('$1'))['results']; v = $2; print(v); sys.exit(0 if v is not False else 1)"; }
h5_() { $PY -c "import h5py, numpy as np, sys; f = h5py.File('$1'); v = bool($2); sys.exit(0 if v else 1)"; }
NET=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48
     --set env.horizon=24 --set train.copies=4 --set train.eval_copies=2 --set train.eval_every=2
     --set train.critic_hidden=16 --set policy.hidden=16 --set train.iterations=3)

# ---- bits on 1-4 ranks --------------------------------------------------------------
cases=("hatrpo:--set train.algo=hatrpo"
       "clip-happo:--set train.algo=clip-happo"
       "clip-hatrpo:--set train.algo=clip-hatrpo --set train.kl_threshold=0.005"
       "clip-happo-colour:--set train.algo=clip-happo --set train.order=colour"
       "hatrpo-none:--set train.algo=hatrpo --set train.factor=none"
       "clip-happo-factored:--set train.algo=clip-happo --set train.critic=factored"
       "clip-hatrpo-central:--set train.algo=clip-hatrpo --set train.critic=central --set train.kappa=0"
       "happo:--set train.algo=happo")
for c in "${cases[@]}"; do
  tag=${c%%:*}; read -ra args <<<"${c#*:}"
  for np in 1 2 3 4; do
    [[ $tag == happo && $np -gt 1 ]] && continue # scal.t covers happo's bits
    run_np $np $SAMARL train -q "${NET[@]}" "${args[@]}" -o "$TMP/$tag.$np.h5" >"$TMP/$tag.$np.log" 2>&1 ||
      { diag "$tag np=$np failed"; tail -3 "$TMP/$tag.$np.log"; }
  done
  [[ $tag == happo ]] && continue
  for np in 2 3 4; do
    ok "$tag: policy.h5 (actors, critics, per-position record) on $np ranks = 1 rank, bit for bit" \
      $PY "$here/h5same.py" "$TMP/$tag.1.h5" "$TMP/$tag.$np.h5" "${VOLATILE[@]}"
  done
done
ok "the comparison can fail: hatrpo and clip-hatrpo differ" \
  bash -c "! $PY $here/h5same.py $TMP/hatrpo.1.h5 $TMP/clip-hatrpo.1.h5 ${VOLATILE[*]} >/dev/null"

# ---- the trust-region steps and the per-position record ---------------------------------
ok "hatrpo: one trust-region step per agent per iteration, most accepted" \
  jq_ "$TMP/hatrpo.3.json" "r['update'] == 'trpo' and r['trpo_steps'] == 48 and r['trpo_accepted'] >= 24"
ok "hatrpo: the training curve has each step's entropy and approximate KL (no PPO epochs to measure them)" \
  h5_ "$TMP/hatrpo.1.h5" "np.all(f['/train/entropy'][:] > 1) and np.all(f['/train/approx_kl'][:] != 0) and np.all(f['/train/clip_frac'][:] == 0)"
ok "hatrpo with train.factor = none: independent trust-region steps, no order, no record" \
  jq_ "$TMP/hatrpo-none.3.json" "r['update'] == 'trpo' and r['trpo_steps'] == 48 and r['positions'] == 0 and r['handoffs'] == 0"
ok "clip-happo: PPO epochs, the clipped factor" \
  jq_ "$TMP/clip-happo.3.json" "r['update'] == 'ppo' and r['factor'] == 'clip1' and r['positions'] == 48"
for tag in hatrpo clip-happo clip-hatrpo happo; do
  ok "$tag: /positions/{adv_variance,max_weight,max_factor,kl} are [3 iterations][48 positions]" \
    h5_ "$TMP/$tag.1.h5" "all(f['/positions/' + k].shape == (3, 48) for k in ('adv_variance', 'max_weight', 'max_factor', 'kl'))"
  ok "$tag: the first position's factor is 1, and later ones move" \
    h5_ "$TMP/$tag.1.h5" "np.all(f['/positions/max_factor'][:, 0] == 1) and np.all(f['/positions/max_factor'][:, 1:] != 1)"
done
ok "clip-happo: every weight <= 1 while the factors exceed 1" \
  h5_ "$TMP/clip-happo.1.h5" "np.all(f['/positions/max_weight'][:] <= 1) and np.max(f['/positions/max_factor'][:]) > 1"
ok "happo: the weights are the factors (no clip)" \
  h5_ "$TMP/happo.1.h5" "np.allclose(f['/positions/max_weight'][:], f['/positions/max_factor'][:], rtol=1e-6)"
ok "the variance of the weighted advantage at the last position: clip-happo's below happo's in every iteration" \
  h5_ "$TMP/happo.1.h5" "np.all(h5py.File('$TMP/clip-happo.1.h5')['/positions/adv_variance'][:, -1] < f['/positions/adv_variance'][:, -1])"
ok "factored critic: the team advantage, and it trains otherwise than the local critics" \
  bash -c "$PY -c \"import json, sys; sys.exit(json.load(open('$TMP/clip-happo-factored.3.json'))['results']['critic'] != 'factored')\" && ! $PY $here/h5same.py $TMP/clip-happo.1.h5 $TMP/clip-happo-factored.1.h5 ${VOLATILE[*]} >/dev/null"
ok "central critic: one network on the global state (48 agents x 6 features, 16 units), in the file" \
  h5_ "$TMP/clip-hatrpo-central.3.h5" "f['/critic_central/params'].shape[0] == 288 * 16 + 16 * 16 + 3 * 16 + 1"
ok "colour order: a column per colour class" \
  h5_ "$TMP/clip-happo-colour.1.h5" "f['/positions/kl'].shape[1] >= 5 and f['/positions/kl'].shape[1] < 48"

# ---- resume -----------------------------------------------------------------------------
run_np 2 $SAMARL train -q "${NET[@]}" --set train.algo=hatrpo --set train.iterations=2 \
  -o "$TMP/half.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${NET[@]}" --set train.algo=hatrpo --set train.iterations=3 \
  --resume "$TMP/half.h5" -o "$TMP/resumed.h5" >"$TMP/resumed.log" 2>&1
ok "hatrpo: 2 iterations on 2 ranks, --resume to 3 on 3 ranks = 3 at once, bit for bit (the record included)" \
  $PY "$here/h5same.py" "$TMP/hatrpo.1.h5" "$TMP/resumed.h5" "${VOLATILE[@]}" /train/eval_iteration /train/eval_return /train/eval_usage

run_np 2 $SAMARL train -q "${NET[@]}" --set train.algo=clip-hatrpo --set train.critic=central \
  --set train.kappa=0 --set train.iterations=2 -o "$TMP/chalf.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${NET[@]}" --set train.algo=clip-hatrpo --set train.critic=central \
  --set train.kappa=0 --set train.iterations=3 --resume "$TMP/chalf.h5" -o "$TMP/cresumed.h5" >/dev/null 2>&1
ok "clip-hatrpo, central critic: --resume on 3 ranks from 2 = one run of 3 (the critic and its Adam state saved)" \
  $PY "$here/h5same.py" "$TMP/clip-hatrpo-central.1.h5" "$TMP/cresumed.h5" "${VOLATILE[@]}" /train/eval_iteration /train/eval_return /train/eval_usage

# ---- refusals -----------------------------------------------------------------------------
expect_error "a central critic for a constrained trainer" 2 \
  "train.critic = central is one critic on the team reward.*train.algo = scal-mappo-l keeps a critic per agent for its local cost" \
  $SAMARL train -q "${NET[@]}" --set train.algo=scal-mappo-l --set train.critic=central -o "$TMP/bad.h5"
expect_error "--resume of a central-critic file with local critics" 2 \
  "trained with train.critic = central: continue it with --set train.critic=central" \
  $SAMARL train -q "${NET[@]}" --set train.algo=clip-hatrpo --set train.kappa=0 --set train.iterations=4 --resume "$TMP/chalf.h5" -o "$TMP/bad.h5"
expect_error "hatrpo with one shared network" 2 \
  "train.algo = hatrpo takes a trust-region step per agent's network.*policy.sharing = none.*train.algo = happo" \
  $SAMARL train -q "${NET[@]}" --set train.algo=hatrpo --set policy.sharing=shared -o "$TMP/bad.h5"
ok "... and writes nothing" test ! -e "$TMP/bad.h5"
expect_error "a trust region of radius 0" 2 "train.kl_threshold" \
  $SAMARL train -q "${NET[@]}" --set train.algo=clip-hatrpo --set train.kl_threshold=0 -o "$TMP/bad.h5"
expect_error "--resume of a happo file as hatrpo names the trainer" 2 \
  "trained with train.algo = happo, this configuration has hatrpo.*--set train.algo=happo" \
  $SAMARL train -q "${NET[@]}" --set train.algo=hatrpo --set train.iterations=4 --resume "$TMP/happo.1.h5" -o "$TMP/bad.h5"
done_testing
