# The MPE simple_spread world (src/env/spread.c) against hand-computed
# steps (damping, both integration orders, a boundary-free drift, the
# softplus contact force, contact kept by agents pushing together, rewards
# and collision costs) and a random policy's return against PettingZoo's
# published -115.6; env.name = spread with its copies split across 1 and 3
# ranks, every copy the world stepped directly (tests/test_spread.c).
# Training on it (the copies split across ranks, each agent's samples sent
# to the rank that trains it): clip-happo, clip-hatrpo with the central
# critic, mappo (one shared actor) and scal-mappo-l on the collision
# constraint (cost channel 1) bit-identical on 1-4 ranks, resumed
# on another rank count bit for bit, learning (the evaluation's return
# rises); what does not fit is refused with the reason.
source "$(dirname "$0")/lib.sh"
for np in 1 3; do
  if run_np $np "$SAMARL_BUILD/tests/test_spread" >"$TMP/spread.$np" 2>&1; then
    pass "test_spread on $np rank(s): all checks pass"
  else
    fail "test_spread on $np rank(s)"
  fi
done
sed 's/^/#   /' "$TMP/spread.1" | grep -v checksum | tail -18
c1=$(sed -n 's/^# spread env checksum: //p' "$TMP/spread.1" | head -1)
c3=$(sed -n 's/^# spread env checksum: //p' "$TMP/spread.3" | head -1)
if [[ -n $c1 && $c1 == "$c3" ]]; then
  pass "spread's copies give the same returns on 1 and 3 ranks ($c1)"
else
  fail "spread's returns differ between 1 and 3 ranks ('$c1' vs '$c3')"
fi
PY=/usr/bin/python3
same() { $PY "$here/h5same.py" "$@"; }
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s)
PARTS=(/@n_ranks /graph/partition /graph@edge_cut)
SP=(--set env.name=spread --set graph.agents=4 --set graph.type=complete --set train.kappa=0
    --set env.horizon=25 --set train.copies=12 --set train.eval_copies=8 --set train.iterations=4
    --set train.eval_every=1 --set policy.hidden=16 --set train.critic_hidden=16
    --set train.minibatches=2 --set train.epochs=2)
for v in "clip-happo" "clip-hatrpo central" "mappo central" "scal-mappo-l"; do
  set -- $v
  a=$1 A=(--set train.algo="$1")
  [[ $a == mappo ]] && A=(--set train.algo=happo --set policy.sharing=shared)
  [[ $a == scal-mappo-l ]] && A+=(--set train.lagrangian=own --set train.dual_lr=5)
  [[ -n ${2:-} ]] && A+=(--set train.critic="$2")
  tag="$a${2:+ (critic $2)}"
  if ! run_np 1 $SAMARL train -q "${SP[@]}" "${A[@]}" -o "$TMP/t_$a.1.h5" >"$TMP/log" 2>&1; then
    fail "spread, $tag: trains on 1 rank"; tail -5 "$TMP/log" | sed 's/^/#   /'; continue
  fi
  for np in 2 3 4; do
    run_np $np $SAMARL train -q "${SP[@]}" "${A[@]}" -o "$TMP/t_$a.$np.h5" >/dev/null 2>&1
    ok "spread, $tag: $np ranks give the 1-rank policy file bit for bit" \
      same "$TMP/t_$a.1.h5" "$TMP/t_$a.$np.h5" "${VOLATILE[@]}" "${PARTS[@]}"
  done
done
run_np 3 $SAMARL train -q "${SP[@]}" --set train.algo=clip-happo --set train.iterations=2 \
  -o "$TMP/half.h5" >/dev/null 2>&1
run_np 2 $SAMARL train -q "${SP[@]}" --set train.algo=clip-happo --resume "$TMP/half.h5" \
  -o "$TMP/resumed.h5" >/dev/null 2>&1
ok "spread, clip-happo: 2 iterations on 3 ranks resumed on 2 give the 4-iteration file" \
  same "$TMP/t_clip-happo.1.h5" "$TMP/resumed.h5" "${VOLATILE[@]}" "${PARTS[@]}" /@config
# It learns: 3 agents, the evaluation's return per agent per step after 10
# and after 60 iterations (deterministic: the same numbers every run).
run_np 2 $SAMARL train -q --set env.name=spread --set graph.agents=3 --set graph.type=complete \
  --set train.kappa=0 --set train.algo=clip-happo --set train.copies=16 --set train.iterations=60 \
  --set train.eval_every=10 --set train.eval_copies=32 --set train.lr=1e-3 \
  -o "$TMP/learn.h5" >/dev/null 2>&1
ok "spread, clip-happo on 3 agents learns: evaluation return up by 0.1 per agent-step from iteration 10 to 60" \
  $PY -c "
import h5py, sys
r = h5py.File('$TMP/learn.h5')['/train/eval_return'][:, 0]
print(r)
sys.exit(0 if len(r) == 6 and r[-1] > r[0] + 0.1 else 1)"
expect_error "a kappa-hop input on spread is refused with the reason" 2 \
  "every agent observes its whole world.*train.kappa=0" \
  $SAMARL train -q "${SP[@]}" --set train.algo=happo --set train.kappa=1 -o "$TMP/sp.h5"
ok "... and writes nothing" test ! -e "$TMP/sp.h5"
expect_error "the neighbourhood Lagrangian on spread (no graph neighbours) is refused" 2 \
  "train.lagrangian = neighbourhood .* --set train.lagrangian=own" \
  $SAMARL train -q "${SP[@]}" --set train.algo=scal-mappo-l -o "$TMP/sp.h5"
like "the constrained training reports its collisions and their violation of the bound" \
  "$TMP/t_scal-mappo-l.1.json" '"eval_violation_mean": [0-9.e-]+.*"eval_collisions": [0-9.e-]+'
expect_error "a trainer that cannot train copies says so and names those that can" 2 \
  "train.algo = ppo cannot train env.name = spread: .*whole joint copies.*clip-happo" \
  $SAMARL train -q "${SP[@]}" --set train.algo=ppo -o "$TMP/sp.h5"
expect_error "samarl eval does not run spread yet, and says so" 1 \
  "splits whole joint copies.*samarl eval and samarl run do not run it yet" \
  $SAMARL eval --set env.name=spread --set graph.agents=4 --set graph.type=complete \
  --policy "$TMP/t_clip-happo.1.h5"
expect_error "fewer copies than ranks is refused" 3 \
  "splits its 2 joint copies across the 3 ranks" \
  $SAMARL train -q "${SP[@]}" --set train.algo=happo --set train.copies=2 -o "$TMP/sp.h5"
expect_error "spread.version names the versions there are" 1 "spread.version" \
  $SAMARL train -q --set env.name=spread --set spread.version=4 -o "$TMP/sp.h5"
done_testing
