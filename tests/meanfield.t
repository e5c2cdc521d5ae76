# Mean-field MARL on the Ising model (seed 004, issue 24; src/env/ising.c,
# src/train/meanfield.c): train.algo = mfq, mfac and iql on env.name =
# ising over a grid2d torus give the same policy file on 1-4 ranks; --resume
# on another rank count = one run; MF-Q orders a 20 x 20 lattice (order
# parameter >= 0.9) within 10^4 steps, as the mean-field paper's code does;
# the file holds every agent's table and spin; bad input is refused on
# every rank with nothing written.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s /@n_ranks /graph/partition /graph@edge_cut)
same() { $PY "$here/h5same.py" "$@"; }
IS=(--set env.name=ising --set graph.type=grid2d --set graph.agents=400 --set mf.steps=50
    --set train.iterations=6 --set train.eval_every=1)

for algo in mfq mfac iql; do
  for np in 1 2 3 4; do
    run_np $np $SAMARL train -q "${IS[@]}" --set train.algo=$algo --set mf.act_rate=0.7 \
      -o "$TMP/$algo.$np.h5" >"$TMP/$algo.$np.log" 2>&1 || { diag "$algo np=$np failed"; tail -3 "$TMP/$algo.$np.log"; }
  done
  for np in 2 3 4; do
    ok "$algo on a 20 x 20 Ising torus: the policy file on $np ranks = 1 rank's, bit for bit" \
      same "$TMP/$algo.1.h5" "$TMP/$algo.$np.h5" "${VOLATILE[@]}"
  done
done
ok "the comparison can fail: another run.seed differs" bash -c \
  "$MPIRUN -np 2 $SAMARL train -q ${IS[*]} --set train.algo=mfq --set mf.act_rate=0.7 --set run.seed=9 -o $TMP/s9.h5 >/dev/null 2>&1; ! $PY $here/h5same.py $TMP/mfq.1.h5 $TMP/s9.h5 ${VOLATILE[*]} /@config /@seed >/dev/null"
ok "the file holds every agent's table (5 states x 2 spins; iql 1 x 2), actor (mfac) and spin, no networks" \
  $PY - "$TMP" <<'PYEOF'
import sys, h5py
d = sys.argv[1]
q, a, i = (h5py.File(f"{d}/{n}.1.h5", "r") for n in ("mfq", "mfac", "iql"))
assert q["mf/q"].shape == (400, 10) and "mf/theta" not in q and q["mf/spin"].shape == (400,)
assert a["mf/theta"].shape == (400, 10) and i["mf/q"].shape == (400, 2)
assert q["mf/order"].shape == (6,) and q.attrs["n_nets"] == 0
assert q["mf"].attrs["steps_done"] == 300 and q["mf"].attrs["algo"] == "mfq"
assert set(q["mf/spin"][...]) <= {0.0, 1.0}
PYEOF

for algo in mfq mfac; do
  run_np 2 $SAMARL train -q "${IS[@]}" --set train.algo=$algo --set mf.act_rate=0.7 --set train.iterations=3 \
    -o "$TMP/r3-$algo.h5" >/dev/null 2>&1
  run_np 3 $SAMARL train -q "${IS[@]}" --set train.algo=$algo --set mf.act_rate=0.7 --resume "$TMP/r3-$algo.h5" \
    -o "$TMP/r6-$algo.h5" >"$TMP/r6-$algo.log" 2>&1
  ok "$algo --resume: 3 iterations on 2 ranks, then 3 more on 3 = 6 uninterrupted, bit for bit" \
    same "$TMP/$algo.1.h5" "$TMP/r6-$algo.h5" "${VOLATILE[@]}" /@config
done

# The mean-field paper's Ising run (its code's defaults: lr 0.1, temperature
# 1, every agent learning every step): a 20 x 20 lattice from random spins.
run_np 2 $SAMARL train "${IS[@]}" --set train.algo=mfq --set mf.steps=100 --set train.iterations=100 \
  -o "$TMP/learn.h5" >"$TMP/learn.log" 2>&1
like "MF-Q on 20 x 20 reaches an order parameter of 0.9 within 10^4 steps" "$TMP/learn.log" \
  '^mfq: .*first reached 0\.9 at step [0-9]+$'
ok "... and every agent's table learned to follow its neighbours into the ordered state (with all 4 neighbours at the majority's spin, that spin's Q is the larger)" \
  $PY -c "import h5py,sys; f=h5py.File(sys.argv[1]); q=f['mf/q'][...]; up=f['mf/spin'][...].mean() > 0.5
sys.exit(not ((q[:,9] > q[:,8]) if up else (q[:,0] > q[:,1])).mean() > 0.95)" "$TMP/learn.h5"

# Refusals, on every rank, nothing written.
expect_error "a networked trainer on the Ising model is refused" 2 \
  "train.algo = ppo .*ising" \
  $SAMARL train "${IS[@]}" --set train.algo=ppo -o "$TMP/bad.h5"
ok "... and nothing is written" test ! -e "$TMP/bad.h5"
expect_error "mfq on demand response is refused" 2 "train.algo = mfq" \
  $SAMARL train --set env.name=dr --set train.algo=mfq -o "$TMP/bad.h5"
expect_error "a graph with more than 16 neighbours per agent is refused, naming the limit" 2 \
  "an agent has 20 graph neighbours, expected at most 16" \
  $SAMARL train --set env.name=ising --set train.algo=mfq --set graph.type=ring --set graph.agents=100 \
  --set graph.k=10 -o "$TMP/bad.h5"
ok "... and nothing is written" test ! -e "$TMP/bad.h5"
expect_error "an MF-AC file does not continue as MF-Q" 2 "was written by train.algo = mfac, and this run is mfq" \
  $SAMARL train "${IS[@]}" --set train.algo=mfq --resume "$TMP/mfac.1.h5" -o "$TMP/bad.h5"
expect_error "mf.lr above 1 is refused" 2 "mf.lr" \
  $SAMARL train "${IS[@]}" --set train.algo=mfq --set mf.lr=2 -o "$TMP/bad.h5"
done_testing
