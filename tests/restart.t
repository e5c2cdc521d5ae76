# Checkpoint/restart: a run (with communication faults, under tracking-ratio's
# running sums, or on DR-net's local constraints) or a training (ppo, mappo-l, scal-mappo-l, mappo-l-local, clip-hatrpo,
# clip-happo on spread's copies, altmarl's tables, mfq's tables and spins, netac-q's critics, netac-v's
# critics and multipliers on demand response)
# killed with SIGKILL at a random step and restarted with --restart gives
# output bit-identical to a job that was never interrupted (1 and 3 ranks,
# and a restart on another rank count); a killed rank ends the job with a
# message instead of a hang; and a checkpoint that does not fit the command
# is refused with a clear message.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
same() { $PY "$here/h5same.py" "$@"; }
# Wall times and timers differ from run to run; everything else must not.
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s)
# ... and these depend on the rank count (the partition).
PARTS=(/@n_ranks /graph/partition /graph@edge_cut)

# With communication faults: their pattern is a function of (seed, edge,
# round), so a checkpoint needs nothing more for them.
RUN=(--set policy.type=bestresponse --set graph.agents=6000 --set run.days=6
     --set output.agents=every:5 --set dual.mode=tracking --set consensus.sigma_iters=50
     --set faults.link_drop=0.1 --set faults.stale=0.3 --set faults.agent_dropout=0.05
     --set run.progress_every=1 --set run.checkpoint_every=5)
TRAIN=(--set graph.agents=48 --set graph.type=ring --set graph.k=2 --set env.horizon=48
       --set train.copies=8 --set train.minibatches=2 --set train.epochs=2 --set policy.hidden=16
       --set train.eval_every=1 --set train.eval_copies=2 --set train.iterations=200
       --set train.checkpoint_every=2)

# kill_job CMD LOGPATTERN K TAG ARGS...: start `samarl CMD ARGS` in the
# background, wait until its log shows progress K (and a checkpoint exists),
# then SIGKILL one of its ranks, chosen at random; the job must end (no hang)
# with a non-zero status and a message about the killed rank.
kill_job() {
  local np=$1 cmd=$2 pat=$3 k=$4 out=$5; shift 5
  $MPIRUN -np "$np" $SAMARL "$cmd" "$@" -o "$out" >"$out.log" 2>&1 &
  local job=$! i
  for ((i = 0; i < $(tlimit 1200); i++)); do
    if [[ -e $out.ckpt ]] && grep -Eq "$pat$k/" "$out.log"; then break; fi
    kill -0 $job 2>/dev/null || break
    sleep 0.05
  done
  local pids victim
  pids=$(pgrep -f "^$SAMARL $cmd .*$out\$") || true
  victim=$(shuf -n1 -e $pids 2>/dev/null) || true
  [[ -n $victim ]] && kill -9 "$victim"
  wait $job
  local rc=$?
  local at
  at=$(grep -Eo "$pat[0-9]+/" "$out.log" | tail -1)
  # 137 is also what timeout returns when it had to kill a hung job: the
  # job's own log tells the two apart.
  if [[ -n $victim && $rc -ne 0 && $rc -ne 124 ]] && grep -q 'exited on signal 9' "$out.log"; then
    pass "np=$np $cmd: a rank killed at $at ends the job (status $rc), no hang"
  else
    fail "np=$np $cmd: killed rank '$victim' at '$at': status $rc"
    { [[ -n $victim ]] || echo "the job ended before a rank could be killed; its log:"
      tail -25 "$out.log"; } | why
  fi
  like "np=$np $cmd: the job names the killed rank" "$out.log" 'process rank [0-9]+ .* exited on signal 9'
  ok "np=$np $cmd: the killed job left no finished output, but its checkpoint" \
    bash -c "[[ ! -e $out && -s $out.ckpt ]]"
}

# ---- samarl run -------------------------------------------------------------------
run_np 3 $SAMARL run -q "${RUN[@]}" -o "$TMP/ref.h5" >"$TMP/ref.log" 2>&1
ok "uninterrupted run with checkpoints" test -s "$TMP/ref.h5"
ok "a finished run removes its checkpoint and its partial file" \
  bash -c "[[ ! -e $TMP/ref.h5.ckpt && ! -e $TMP/ref.h5.partial ]]"
run_np 2 $SAMARL run -q "${RUN[@]}" --set run.checkpoint_every=0 -o "$TMP/nock.h5" >/dev/null 2>&1
ok "checkpoints change nothing: run.h5 without them is the same (but the config line)" \
  same "$TMP/ref.h5" "$TMP/nock.h5" "${VOLATILE[@]}" "${PARTS[@]}" /@config
for np in 1 3; do
  k=$((10 + RANDOM % 60))
  kill_job $np run 'step +' $k "$TMP/k$np.h5" "${RUN[@]}"
  run_np $np $SAMARL run --restart "$TMP/k$np.h5.ckpt" >"$TMP/r$np.log" 2>&1
  like "np=$np run: the restart says where it continues" "$TMP/r$np.log" \
    "restarting from .*k$np\.h5\.ckpt at step [0-9]+/144"
  ok "np=$np run: killed at step ~$k and restarted = uninterrupted, bit for bit" \
    same "$TMP/ref.h5" "$TMP/k$np.h5" "${VOLATILE[@]}" "${PARTS[@]}"
  ok "np=$np run: the finished restart removed the checkpoint" test ! -e "$TMP/k$np.h5.ckpt"
done
# A checkpoint written on 3 ranks continues on 2.
kill_job 3 run 'step +' $((10 + RANDOM % 60)) "$TMP/x.h5" "${RUN[@]}"
run_np 2 $SAMARL run -q --restart "$TMP/x.h5.ckpt" >"$TMP/x.log" 2>&1
ok "run: a 3-rank checkpoint restarted on 2 ranks = uninterrupted" \
  same "$TMP/ref.h5" "$TMP/x.h5" "${VOLATILE[@]}" "${PARTS[@]}"
ok "the comparison can fail: another seed differs" bash -c \
  "$MPIRUN -np 2 $SAMARL run -q ${RUN[*]} --set run.seed=7 -o $TMP/s7.h5 >/dev/null 2>&1; ! $PY $here/h5same.py $TMP/ref.h5 $TMP/s7.h5 ${VOLATILE[*]} /@config /@seed >/dev/null"

# tracking-ratio under the same faults: the masses, the running sums sent
# and the last ones received on every link (the messages in flight at the
# checkpoint) are in it.
RATIO=("${RUN[@]}" --set dual.mode=tracking-ratio --set faults.link_drop=0.3)
run_np 2 $SAMARL run -q "${RATIO[@]}" -o "$TMP/qref.h5" >/dev/null 2>&1
kill_job 2 run 'step +' $((10 + RANDOM % 60)) "$TMP/q.h5" "${RATIO[@]}"
run_np 3 $SAMARL run -q --restart "$TMP/q.h5.ckpt" >"$TMP/q.log" 2>&1
ok "tracking-ratio: a 2-rank run killed and restarted on 3 ranks = uninterrupted" \
  same "$TMP/qref.h5" "$TMP/q.h5" "${VOLATILE[@]}" "${PARTS[@]}"

# DR-net with the feeder rule: the per-agent second-half cost sums and the
# carried multipliers (the prices are built from them) are in the checkpoint.
NET=(--set env.name=drnet --set policy.type=bestresponse --set graph.agents=200000
     --set graph.type=ring --set graph.k=2 --set run.days=4 --set dual.mode=feeder
     --set dual.eta=0.05 --set dual.epoch=2 --set output.agents=every:997
     --set run.progress_every=1 --set run.checkpoint_every=5)
run_np 2 $SAMARL run -q "${NET[@]}" -o "$TMP/nref.h5" >/dev/null 2>&1
kill_job 2 run 'step +' $((50 + RANDOM % 12)) "$TMP/n.h5" "${NET[@]}"
run_np 3 $SAMARL run -q --restart "$TMP/n.h5.ckpt" >"$TMP/n.log" 2>&1
ok "drnet + feeder: a 2-rank run killed after the half and restarted on 3 ranks = uninterrupted" \
  same "$TMP/nref.h5" "$TMP/n.h5" "${VOLATILE[@]}" "${PARTS[@]}"

# ---- samarl train ----------------------------------------------------------------
run_np 3 $SAMARL train -q "${TRAIN[@]}" -o "$TMP/tref.h5" >"$TMP/tref.log" 2>&1
ok "uninterrupted training with checkpoints" test -s "$TMP/tref.h5"
ok "finished training removes its checkpoint" test ! -e "$TMP/tref.h5.ckpt"
for np in 1 3; do
  k=$((3 + RANDOM % 10))
  kill_job $np train 'iter +' $k "$TMP/t$np.h5" "${TRAIN[@]}"
  run_np $np $SAMARL train --restart "$TMP/t$np.h5.ckpt" >"$TMP/tr$np.log" 2>&1
  like "np=$np train: the restart says where it continues" "$TMP/tr$np.log" \
    "restarting from .*t$np\.h5\.ckpt after [0-9]+ iterations"
  ok "np=$np train: killed at iteration ~$k and restarted = uninterrupted, bit for bit" \
    same "$TMP/tref.h5" "$TMP/t$np.h5"
done

# mfq on the Ising model: every agent's table and spin, the order
# parameter's history and record are in the checkpoint; killed on 2 ranks,
# restarted on 3.
MF=(--set env.name=ising --set train.algo=mfq --set graph.type=grid2d --set graph.agents=40000
    --set mf.steps=20 --set mf.act_rate=0.7 --set train.iterations=200 --set train.eval_every=1
    --set train.checkpoint_every=2)
run_np 2 $SAMARL train -q "${MF[@]}" -o "$TMP/mfref.h5" >/dev/null 2>&1
kill_job 2 train 'iter +' $((20 + RANDOM % 100)) "$TMP/mf.h5" "${MF[@]}"
run_np 3 $SAMARL train --restart "$TMP/mf.h5.ckpt" >"$TMP/mfr.log" 2>&1
ok "mfq: killed on 2 ranks and restarted on 3 = uninterrupted, bit for bit" \
  same "$TMP/mfref.h5" "$TMP/mf.h5" /@n_ranks

# mappo-l: the critic, its Adam state and the multiplier are in the checkpoint.
MAPPO=("${TRAIN[@]}" --set train.algo=mappo-l --set train.critic_hidden=16)
run_np 2 $SAMARL train -q "${MAPPO[@]}" -o "$TMP/mpref.h5" >/dev/null 2>&1
kill_job 2 train 'iter +' $((3 + RANDOM % 10)) "$TMP/mp.h5" "${MAPPO[@]}"
run_np 2 $SAMARL train --restart "$TMP/mp.h5.ckpt" >"$TMP/mpr.log" 2>&1
ok "mappo-l: killed and restarted = uninterrupted, bit for bit" same "$TMP/mpref.h5" "$TMP/mp.h5"

# The networked trainers on DR-net: every agent's critics, their Adam state
# and multipliers are in the checkpoint; the order and the factor restart
# from the iteration. scal-mappo-l (kappa 2) killed on 2 ranks, restarted
# on 3; mappo-l-local (critics on the global state) and clip-hatrpo (trust-region
# steps, the clipped factor, the per-position record) on 2.
for algo in scal-mappo-l mappo-l-local clip-hatrpo; do
  SC=("${TRAIN[@]}" --set env.name=drnet --set train.algo=$algo --set train.kappa=2
      --set train.critic_hidden=16 --set train.iterations=60)
  run_np 2 $SAMARL train -q "${SC[@]}" -o "$TMP/$algo-ref.h5" >/dev/null 2>&1
  kill_job 2 train 'iter +' $((3 + RANDOM % 20)) "$TMP/$algo.h5" "${SC[@]}"
  np=$([[ $algo == scal-mappo-l ]] && echo 3 || echo 2)
  run_np $np $SAMARL train --restart "$TMP/$algo.h5.ckpt" >"$TMP/$algo-r.log" 2>&1
  ok "$algo: killed on 2 ranks and restarted on $np = uninterrupted, bit for bit" \
    same "$TMP/$algo-ref.h5" "$TMP/$algo.h5" /@n_ranks
done

# An environment of joint copies (spread): clip-happo with the central
# critic killed on 2 ranks, restarted on 3 (the copies and the agents dealt
# out anew).
SPR=(--set env.name=spread --set graph.agents=4 --set graph.type=complete --set train.kappa=0
     --set train.algo=clip-happo --set train.critic=central --set env.horizon=25
     --set train.copies=12 --set train.eval_copies=6 --set train.eval_every=1
     --set policy.hidden=16 --set train.critic_hidden=16 --set train.minibatches=2
     --set train.epochs=2 --set train.iterations=200 --set train.checkpoint_every=2)
run_np 2 $SAMARL train -q "${SPR[@]}" -o "$TMP/spr-ref.h5" >/dev/null 2>&1
kill_job 2 train 'iter +' $((3 + RANDOM % 20)) "$TMP/spr.h5" "${SPR[@]}"
run_np 3 $SAMARL train --restart "$TMP/spr.h5.ckpt" >"$TMP/spr-r.log" 2>&1
ok "spread, clip-happo: killed on 2 ranks and restarted on 3 = uninterrupted, bit for bit" \
  same "$TMP/spr-ref.h5" "$TMP/spr.h5" /@n_ranks "${PARTS[@]}"

# A trainer of tables (altmarl on robots): the dispatcher, the local policy,
# the best round's copies and the rounds' values are in the checkpoint;
# killed on 2 ranks, restarted on 3 (G-LEARN's blocks dealt out anew).
ALT=(--set env.name=robots --set train.algo=altmarl --set graph.agents=600 --set graph.type=ring
     --set altmarl.k=30 --set altmarl.stop=false --set train.iterations=40 --set train.eval_every=1
     --set train.eval_copies=4 --set train.checkpoint_every=2)
run_np 2 $SAMARL train -q "${ALT[@]}" -o "$TMP/alt-ref.h5" >/dev/null 2>&1
kill_job 2 train 'iter +' $((3 + RANDOM % 10)) "$TMP/alt.h5" "${ALT[@]}"
run_np 3 $SAMARL train --restart "$TMP/alt.h5.ckpt" >"$TMP/alt-r.log" 2>&1
ok "altmarl: killed on 2 ranks and restarted on 3 = uninterrupted, bit for bit" \
  same "$TMP/alt-ref.h5" "$TMP/alt.h5" /@n_ranks "${PARTS[@]}"

# Networked actor-critic (netac-q on netmdp) under lost messages and lying
# agents: the agents' critics, actors, averages, the state and the joint
# action are in the checkpoint; killed on 2 ranks, restarted on 3.
NAC=(--set env.name=netmdp --set train.algo=netac-q --set graph.agents=20 --set graph.type=ring
     --set graph.k=3 --set netac.steps=4000 --set train.iterations=60 --set train.eval_every=1
     --set faults.link_drop=0.2 --set faults.byzantine=0.1 --set consensus.aggregate=trimmed:2
     --set train.checkpoint_every=2)
run_np 2 $SAMARL train -q "${NAC[@]}" -o "$TMP/nac-ref.h5" >/dev/null 2>&1
kill_job 2 train 'iter +' $((3 + RANDOM % 10)) "$TMP/nac.h5" "${NAC[@]}"
run_np 3 $SAMARL train --restart "$TMP/nac.h5.ckpt" >"$TMP/nac-r.log" 2>&1
ok "netac-q: killed on 2 ranks and restarted on 3 = uninterrupted, bit for bit" \
  same "$TMP/nac-ref.h5" "$TMP/nac.h5" /@n_ranks "${PARTS[@]}"

# The same algorithm on demand response (netac-v): the multipliers of the
# dual rule and their epoch's sums are in the checkpoint too.
NDR=(--set env.name=dr --set train.algo=netac-v --set graph.agents=48 --set graph.type=ring
     --set graph.k=2 --set env.horizon=24 --set train.copies=64 --set train.iterations=100
     --set train.eval_every=1 --set env.capacity_ratio=0.5 --set dual.epoch=7
     --set faults.link_drop=0.2 --set train.checkpoint_every=2)
run_np 2 $SAMARL train -q "${NDR[@]}" -o "$TMP/ndr-ref.h5" >/dev/null 2>&1
kill_job 2 train 'iter +' $((3 + RANDOM % 10)) "$TMP/ndr.h5" "${NDR[@]}"
run_np 3 $SAMARL train --restart "$TMP/ndr.h5.ckpt" >"$TMP/ndr-r.log" 2>&1
ok "netac-v on demand response: killed on 2 ranks and restarted on 3 = uninterrupted, bit for bit" \
  same "$TMP/ndr-ref.h5" "$TMP/ndr.h5" /@n_ranks "${PARTS[@]}"

# A trained policy: --restart finds the policy file in the checkpoint.
MLP=(--set graph.agents=48 --set graph.type=ring --set graph.k=2 --set env.horizon=48
     --set policy.hidden=16 --set run.days=150 --set output.agents=every:3
     --set run.progress_every=1 --set run.checkpoint_every=100)
run_np 2 $SAMARL run -q "${MLP[@]}" --policy "$TMP/tref.h5" -o "$TMP/mref.h5" >/dev/null 2>&1
kill_job 2 run 'step +' $((300 + RANDOM % 1200)) "$TMP/m.h5" "${MLP[@]}" --policy "$TMP/tref.h5"
run_np 2 $SAMARL run --restart "$TMP/m.h5.ckpt" >"$TMP/mr.log" 2>&1
ok "trained policies: a run killed and restarted (policy file from the checkpoint) = uninterrupted" \
  same "$TMP/mref.h5" "$TMP/m.h5" "${VOLATILE[@]}"

# ---- refusals ----------------------------------------------------------------------
cp "$TMP/tref.h5" "$TMP/pol.h5"
kill_job 2 run 'step +' 12 "$TMP/y.h5" "${RUN[@]}"
expect_error "--restart of a missing file" 2 "cannot open '$TMP/none.ckpt'" \
  $SAMARL run --restart "$TMP/none.ckpt"
expect_error "--restart of a finished run file: not a checkpoint" 2 "format is 'samarl-run', expected 'samarl-run-checkpoint'" \
  $SAMARL run --restart "$TMP/ref.h5"
expect_error "--restart of a policy file: use --resume" 2 "not a checkpoint \(no 'checkpoint_for'\)" \
  $SAMARL train --restart "$TMP/pol.h5"
expect_error "a run checkpoint given to train" 2 "format is 'samarl-run-checkpoint', expected 'samarl-policy'" \
  $SAMARL train --restart "$TMP/y.h5.ckpt"
expect_error "a restart with another config names the key" 2 "configuration must be the same.*'run.days = 6' -> 'run.days = 5'" \
  $SAMARL run --restart "$TMP/y.h5.ckpt" --set run.days=5
expect_error "a restart into another output" 2 "continues the run writing '$TMP/y.h5', not '$TMP/z.h5'" \
  $SAMARL run --restart "$TMP/y.h5.ckpt" -o "$TMP/z.h5"
ok "the refused restarts kept the checkpoint and the partial output" \
  bash -c "[[ -s $TMP/y.h5.ckpt && -s $TMP/y.h5.partial && ! -e $TMP/y.h5 ]]"
mv "$TMP/y.h5.partial" "$TMP/y.moved"
expect_error "a restart without the partial output says so" 2 "cannot continue '$TMP/y.h5.partial'.*start again" \
  $SAMARL run --restart "$TMP/y.h5.ckpt"
cp "$TMP/ref.h5" "$TMP/y.h5"
expect_error "a restart of a run that finished after its checkpoint" 2 "'$TMP/y.h5' is complete.*nothing to restart" \
  $SAMARL run --restart "$TMP/y.h5.ckpt"
expect_error "--restart and --resume together" 2 "pick one" \
  $SAMARL train --restart "$TMP/y.h5.ckpt" --resume "$TMP/pol.h5"
expect_error "negative checkpoint_every refused" 1 "checkpoint_every" \
  $SAMARL run --set run.checkpoint_every=-1
done_testing
