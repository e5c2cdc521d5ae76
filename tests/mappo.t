# train.algo = mappo-l, the centralised-critic baseline: exact gradient sums
# and the critic's gradient by finite differences (tests/test_mappo.c, 1 and
# 3 ranks); a tiny training run whose actors execute with samarl run and
# samarl eval; bit-identical results on 1-3 ranks (per-agent and shared
# actors); the value loss falling; the dual variable rising under violation
# and staying 0 with slack; --resume exact (critic and multiplier saved); the
# memory guard; bad input refused.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
PY=${PY:-/usr/bin/python3}
TINY=(--set graph.agents=4 --set graph.type=ring --set graph.k=1 --set env.horizon=24
      --set train.copies=4 --set train.minibatches=2 --set train.epochs=2
      --set train.eval_every=0 --set train.eval_copies=2 --set policy.hidden=8
      --set train.critic_hidden=16 --set train.algo=mappo-l)
same() { h5diff "$1" "$2" "$3" "$3"; }
# py FILE EXPR: print EXPR evaluated with f = h5py.File(FILE)
py() { $PY -c "import h5py, json, sys; f = h5py.File('$1', 'r'); print($2)" 2>&1; }

for np in 1 3; do
  if run_np $np "$SAMARL_BUILD/tests/test_mappo" >"$TMP/unit.$np" 2>&1; then
    pass "test_mappo on $np rank(s): exact sums, critic gradient by finite differences, fitting"
  else
    fail "test_mappo on $np rank(s)"; sed 's/^/#   /' "$TMP/unit.$np" | tail -20
  fi
done
c1=$(sed -n 's/^# exact-sum checksum: //p' "$TMP/unit.1")
c3=$(sed -n 's/^# exact-sum checksum: //p' "$TMP/unit.3")
if [[ -n $c1 && $c1 == "$c3" ]]; then pass "exact sums: the same bits on 1 and 3 ranks ($c1)"
else fail "exact sums differ between 1 and 3 ranks ('$c1' vs '$c3')"; fi

# A tiny case trains; the file is an ordinary policy file with lambda.
run_np 1 $SAMARL train "${TINY[@]}" --set env.capacity_ratio=0.5 --set train.iterations=6 \
  -o "$TMP/a.1.h5" >"$TMP/a.log" 2>&1 || { diag "mappo-l train failed"; tail -5 "$TMP/a.log"; }
ok "mappo-l trains N=4 for 6 iterations" test -f "$TMP/a.1.h5"
like "it reports the centralised critic on the global state" "$TMP/a.log" 'critic 30-16-16-1'
like "and the final multiplier" "$TMP/a.log" 'mappo-l: lambda = [0-9.e+-]+ after 6 iterations'
like "the file records the algorithm" <(py "$TMP/a.1.h5" "f.attrs['algo']") '^mappo-l$'
like "the file holds lambda per iteration" <(py "$TMP/a.1.h5" "f['train/lambda'].shape") '^\(6,\)$'
like "the JSON record has algo, time per iteration and lambda" "$TMP/a.1.json" \
  '"algo": "mappo-l", "s_per_iteration": [0-9.e+-]+, "cpu_s_per_iteration_rank0": [0-9.e+-]+, "iteration_s": \[[^]]*\], "lambda_final"'
lam=$(py "$TMP/a.1.h5" "f.attrs['lambda_final']")
ok "lambda_final is the last of /train/lambda" test "$(py "$TMP/a.1.h5" "f.attrs['lambda_final'] == f['train/lambda'][-1]")" = True
run_np 2 $SAMARL run -q "${TINY[@]}" --policy "$TMP/a.1.h5" --set dual.mode=fixed \
  --set dual.lambda0="$lam" --set run.days=2 -o "$TMP/run.h5" >"$TMP/run.log" 2>&1
ok "samarl run executes the mappo-l actors at their lambda (2 ranks)" test -f "$TMP/run.h5"
like "the run holds the learned lambda" <(py "$TMP/run.h5" "round(f['series/lambda_mean'][-1] - $lam, 6) == 0") '^True$'
run_np 1 $SAMARL eval "${TINY[@]}" --policy "$TMP/a.1.h5" --lambda 0,"$lam" -o "$TMP/e.csv" >/dev/null 2>&1
ok "samarl eval evaluates them" test "$(wc -l <"$TMP/e.csv")" -eq 3

# Determinism: the same seed twice, and 1 / 2 / 3 ranks, per-agent and shared.
run_np 1 $SAMARL train -q "${TINY[@]}" --set env.capacity_ratio=0.5 --set train.iterations=6 \
  -o "$TMP/a.again.h5" >/dev/null 2>&1
bad=
for d in /params /adam_m /train/lambda /train/value_loss; do same "$TMP/a.1.h5" "$TMP/a.again.h5" $d >/dev/null 2>&1 || bad="$bad $d"; done
if [[ -z $bad ]]; then pass "same seed, same result (actors, Adam, lambda, value loss)"; else fail "rerun differs in:$bad"; fi
run_np 1 $SAMARL train -q "${TINY[@]}" --set env.capacity_ratio=0.5 --set train.iterations=6 \
  --set run.seed=2 -o "$TMP/seed2.h5" >/dev/null 2>&1
ok "another run.seed gives other actors (the comparison can fail)" bash -c \
  "h5diff -q $TMP/a.1.h5 $TMP/seed2.h5 /params /params >/dev/null 2>&1; [[ \$? -eq 1 ]]"
for sharing in agent shared; do
  for np in 1 2 3; do
    run_np "$np" $SAMARL train -q "${TINY[@]}" --set graph.agents=5 --set policy.sharing=$sharing \
      --set env.capacity_ratio=0.5 --set train.iterations=4 -o "$TMP/$sharing.$np.h5" >/dev/null 2>&1 ||
      diag "mappo-l $sharing on $np ranks failed"
  done
  for np in 2 3; do
    bad=
    for d in /params /adam_m /adam_v /train/lambda /train/value_loss /train/aug_reward /obs_mean; do
      same "$TMP/$sharing.1.h5" "$TMP/$sharing.$np.h5" $d >/dev/null 2>&1 || bad="$bad $d"
    done
    if [[ -z $bad && -f $TMP/$sharing.$np.h5 ]]; then pass "sharing=$sharing: $np ranks = 1 rank, bit for bit (actors, critic's value loss, lambda)"
    else fail "sharing=$sharing: $np ranks differ from 1 rank in:$bad"; fi
  done
done

# The critic learns: at a fixed multiplier its value loss falls.
run_np 1 $SAMARL train -q "${TINY[@]}" --set train.epochs=4 --set train.critic_hidden=64 \
  --set train.dual_lr=0 --set dual.lambda0=0.2 --set train.iterations=20 -o "$TMP/v.h5" >/dev/null 2>&1
vl=$(py "$TMP/v.h5" "'%.4g %.4g' % (f['train/value_loss'][0], f['train/value_loss'][-5:].mean())")
ok "the critic's value loss falls by half over 20 iterations ($vl)" \
  awk -v a="${vl% *}" -v b="${vl#* }" 'BEGIN { exit !(b < 0.5 * a) }'
ok "with train.dual_lr = 0 lambda stays at dual.lambda0" \
  test "$(py "$TMP/v.h5" "all(f['train/lambda'][:] == 0.2)")" = True

# Dual ascent: violated capacity raises lambda every iteration; slack keeps it 0.
run_np 1 $SAMARL train -q "${TINY[@]}" --set env.capacity_ratio=0.3 --set train.iterations=5 -o "$TMP/low.h5" >/dev/null 2>&1
ok "capacity_ratio 0.3 (violated): lambda rises at every iteration" \
  test "$(py "$TMP/low.h5" "bool(f['train/lambda'][0] > 0 and (f['train/lambda'][1:] > f['train/lambda'][:-1]).all())")" = True
run_np 1 $SAMARL train -q "${TINY[@]}" --set env.capacity_ratio=20 --set train.iterations=5 -o "$TMP/high.h5" >/dev/null 2>&1
ok "capacity_ratio 20 (slack): lambda stays 0" \
  test "$(py "$TMP/high.h5" "bool((f['train/lambda'][:] == 0).all())")" = True
like "the usage it saw was under capacity" "$TMP/high.json" '"usage_ratio_final": 0\.[0-9]'

# The memory guard refuses before allocating, naming N, the bytes and MemAvailable.
SAMARL_MEM_AVAILABLE=1000 expect_error "memory guard: N, bytes needed and MemAvailable named on every rank" 2 \
  "mappo-l with N = 4 agents needs about .* GB .* share_obs buffer .* MemAvailable is 1e-06 GB" \
  $SAMARL train "${TINY[@]}" --set train.iterations=2 -o "$TMP/x.h5"
ok "the refused run wrote nothing" test ! -e "$TMP/x.h5"
SAMARL_MEM_AVAILABLE=1000 expect_error "ppo has its own guard, with its own figures" 1 \
  "train.algo = ppo with policy.sharing = agent needs about .* MemAvailable is 1e-06 GB" \
  $SAMARL train "${TINY[@]}" --set train.algo=ppo --set train.iterations=1 -o "$TMP/ppo.h5"
ok "ppo trains where it fits" $SAMARL train -q "${TINY[@]}" \
  --set train.algo=ppo --set train.iterations=1 -o "$TMP/ppo.h5"
like "ppo's record has algo and time per iteration too" "$TMP/ppo.json" '"algo": "ppo", "s_per_iteration"'

# --resume and checkpoints: the critic, its Adam state and the multiplier go
# into the file, so 2 + 2 iterations (on another rank count) equal 4.
run_np 2 $SAMARL train -q "${TINY[@]}" --set train.iterations=4 -o "$TMP/m4.h5" >/dev/null 2>&1
run_np 2 $SAMARL train -q "${TINY[@]}" --set train.iterations=2 -o "$TMP/m2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train -q "${TINY[@]}" --set train.iterations=4 --resume "$TMP/m2.h5" -o "$TMP/m22.h5" >/dev/null 2>&1
bad=
for d in /params /adam_m /adam_v /critic/params /critic/adam_v /train/lambda /train/value_loss; do
  same "$TMP/m4.h5" "$TMP/m22.h5" "$d" >/dev/null 2>&1 || bad="$bad $d"
done
if [[ -z $bad && -s $TMP/m22.h5 ]]; then pass "mappo-l --resume after 2 iterations (3 ranks) = 4 iterations straight"
else fail "mappo-l --resume differs in:$bad"; fi
ok "the comparison can fail: the critic moved between 2 and 4 iterations" bash -c \
  "h5diff -q $TMP/m2.h5 $TMP/m4.h5 /critic/params /critic/params >/dev/null 2>&1; [[ \$? -eq 1 ]]"
run_np 2 $SAMARL train -q "${TINY[@]}" --set train.iterations=4 --set train.checkpoint_every=3 -o "$TMP/mc.h5" >/dev/null 2>&1
ok "checkpoints change nothing in mappo-l training" same "$TMP/m4.h5" "$TMP/mc.h5" /critic/params
# A --resume with other train.eval_lambdas starts a new curve (iterations
# 3-4) while the multiplier's history keeps all 4: each gets its own
# iteration axis, and the file is written.
run_np 2 $SAMARL train -q "${TINY[@]}" --set train.iterations=4 --set train.eval_lambdas=0,0.5 \
  --resume "$TMP/m2.h5" -o "$TMP/mel.h5" >"$TMP/mel.log" 2>&1
ok "mappo-l --resume with other eval_lambdas writes its file" test -s "$TMP/mel.h5"
like "its /train opens with xarray: the curve on iterations 3-4, lambda on 1-4" \
  <(/usr/bin/python3 -c "import sys, xarray as xr; t = xr.open_dataset(sys.argv[1], engine='h5netcdf', group='train'); print(list(t.iteration.values), list(t.lambda_iteration.values))" "$TMP/mel.h5" 2>&1) \
  '^\[3, 4\] \[1, 2, 3, 4\]$'

# Bad input.
expect_error "mappo-l with the analytic policy" 2 "needs no training" \
  $SAMARL train "${TINY[@]}" --set policy.type=bestresponse -o "$TMP/x.h5"
expect_error "mappo-l cannot resume a ppo file (no critic)" 2 "has no centralised critic" \
  $SAMARL train "${TINY[@]}" --resume "$TMP/ppo.h5" -o "$TMP/x.h5"
expect_error "unknown algorithm lists mappo-l" 1 "expected one of: ppo, mappo-l" \
  $SAMARL train "${TINY[@]}" --set train.algo=mappo -o "$TMP/x.h5"
expect_error "critic_hidden out of range" 1 "critic_hidden.*\[1, 4096\]" \
  $SAMARL train "${TINY[@]}" --set train.critic_hidden=0 -o "$TMP/x.h5"
expect_error "negative dual step" 1 "dual_lr" \
  $SAMARL train "${TINY[@]}" --set train.dual_lr=-1 -o "$TMP/x.h5"
done_testing
