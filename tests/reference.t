# Reference digests: every output of run, train (ppo and mappo-l, shared and
# per-agent, with --resume; the networked trainers and DR-net's runs since
# issue 20), eval and consensus on a set of configurations
# must keep the bits it had when tests/reference/ was generated (main at
# 5cb75d6, before the engine's interfaces were redesigned). Each output is
# reduced to one line per dataset and attribute (tests/h5digest.py) and
# compared with tests/reference/NAME.digest; wall times, the build's version
# and the config text (which grows with new keys) are left out.
# SAMARL_REFERENCE_WRITE=1 rewrites the digests instead: only on purpose,
# for a change that is meant to move bits, said in its commit message.
# tests/reference/alt/ holds a second platform's digests of the cases that
# go through OpenBLAS (policy.kernel = blas, the BLAS critics): on a
# Sapphire Rapids Xeon (AMX, AVX512-FP16) OpenBLAS 0.3.21 rounds them
# differently though it reports the same SkylakeX kernels (seen 2026-12-07,
# the same digests from the builds before and after that day's changes);
# an output matching either set passes, and a change of bits still fails on
# both kinds of machine.
source "$(dirname "$0")/lib.sh"
# OpenBLAS picks its kernels by CPU, and the BLAS paths (policy.kernel=blas,
# mappo-l's critic) round differently under each: the digests were taken
# with its SkylakeX kernels, which every AVX-512 CPU runs (OpenBLAS 0.3.21
# takes AMD Zen 4/5 for Zen or Haswell by itself).
if [[ -z ${OPENBLAS_CORETYPE:-} ]] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    export OPENBLAS_CORETYPE=SkylakeX
fi
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
PY=/usr/bin/python3
REF=$here/reference
VOLATILE=(/timers /summary@wall_s /summary@agent_steps_per_s @git_sha @samarl_version @config)

SMALL=(--set graph.agents=6 --set graph.type=ring --set graph.k=1 --set env.horizon=24
       --set train.copies=4 --set train.minibatches=2 --set train.epochs=2
       --set train.eval_every=2 --set train.eval_copies=2 --set policy.hidden=8)
BR=(--set policy.type=bestresponse --set graph.agents=256 --set graph.type=ring --set graph.k=2
    --set run.days=2)
POL=(--set graph.agents=6 --set graph.type=ring --set graph.k=1 --set policy.hidden=8 --set run.days=2)
FAULTS=(--set faults.link_drop=0.1 --set faults.stale=0.3 --set faults.agent_dropout=0.05)

# case NAME NP OUTPUT ARGS...: run `samarl ARGS` on NP ranks, digest OUTPUT
# and compare it with (or write) the reference.
case_() {
  local name=$1 np=$2 out=$3; shift 3
  if ! run_np "$np" $SAMARL "$@" >"$TMP/$name.log" 2>&1; then
    fail "$name: samarl $1 on $np ranks ran"; tail -5 "$TMP/$name.log" | sed 's/^/#   /'; return
  fi
  $PY "$here/h5digest.py" "$out" "${VOLATILE[@]}" >"$TMP/$name.digest"
  if [[ ${SAMARL_REFERENCE_WRITE:-0} == 1 ]]; then
    cp "$TMP/$name.digest" "$REF/$name.digest"; pass "$name: reference written"; return
  fi
  if diff "$REF/$name.digest" "$TMP/$name.digest" >"$TMP/diff" 2>&1; then
    pass "$name: bit-identical to the reference ($(wc -l <"$REF/$name.digest") objects)"
  elif [[ -f $REF/alt/$name.digest ]] && diff -q "$REF/alt/$name.digest" "$TMP/$name.digest" >/dev/null 2>&1; then
    pass "$name: bit-identical to the second platform's reference (OpenBLAS on AMX; $(wc -l <"$REF/$name.digest") objects)"
  else
    fail "$name: differs from the reference"; head -20 "$TMP/diff" | sed 's/^/#   /'
  fi
}

# ---- consensus ---------------------------------------------------------------
case_ consensus_smallworld 2 "$TMP/c1.h5" consensus -q --set graph.type=smallworld --set graph.agents=300 \
  --set consensus.rounds=60 --set consensus.report_every=10 --set consensus.sigma_iters=150 -o "$TMP/c1.h5"
case_ consensus_faults 3 "$TMP/c2.h5" consensus -q --set graph.type=rgg --set graph.agents=500 \
  --set graph.allow_disconnected=true --set consensus.rounds=40 --set consensus.sigma_iters=100 \
  --set halo.method=neighbor "${FAULTS[@]}" -o "$TMP/c2.h5"

# ---- run with the best response, every dual mode -----------------------------
for mode in none fixed local central consensus tracking; do
  case_ run_br_$mode 2 "$TMP/br_$mode.h5" run -q "${BR[@]}" --set dual.mode=$mode --set dual.lambda0=0.2 \
    -o "$TMP/br_$mode.h5"
done
case_ run_br_faults_traj 3 "$TMP/brf.h5" run -q "${BR[@]}" --set dual.mode=tracking "${FAULTS[@]}" \
  --set output.agents=every:5 -o "$TMP/brf.h5"
case_ run_br_consensus_faults 2 "$TMP/brcf.h5" run -q "${BR[@]}" --set dual.mode=consensus "${FAULTS[@]}" \
  --set graph.type=smallworld -o "$TMP/brcf.h5"

# ---- train: ppo and mappo-l, per-agent and shared, and --resume --------------
for algo in ppo mappo-l; do
  for sharing in agent shared; do
    case_ train_${algo}_$sharing 2 "$TMP/t_${algo}_$sharing.h5" train -q "${SMALL[@]}" \
      --set train.algo=$algo --set policy.sharing=$sharing --set train.iterations=3 \
      -o "$TMP/t_${algo}_$sharing.h5"
  done
done
case_ train_ppo_blas 1 "$TMP/t_blas.h5" train -q "${SMALL[@]}" --set policy.kernel=blas \
  --set train.iterations=2 -o "$TMP/t_blas.h5"
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.iterations=2 -o "$TMP/r2.h5" >/dev/null 2>&1
case_ train_ppo_resume 3 "$TMP/r4.h5" train -q "${SMALL[@]}" --set train.iterations=4 \
  --resume "$TMP/r2.h5" -o "$TMP/r4.h5"
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.algo=mappo-l --set train.iterations=2 \
  -o "$TMP/m2.h5" >/dev/null 2>&1
case_ train_mappo_resume 3 "$TMP/m4.h5" train -q "${SMALL[@]}" --set train.algo=mappo-l \
  --set train.iterations=4 --resume "$TMP/m2.h5" -o "$TMP/m4.h5"

# ---- eval ----------------------------------------------------------------------
case_ eval_ppo_agent 2 "$TMP/e1.csv" eval "${SMALL[@]}" --policy "$TMP/t_ppo_agent.h5" \
  --lambda 0,0.2,0.5 -o "$TMP/e1.csv"
case_ eval_ppo_shared 1 "$TMP/e2.csv" eval "${SMALL[@]}" --set policy.sharing=shared \
  --policy "$TMP/t_ppo_shared.h5" --lambda 0,0.3 -o "$TMP/e2.csv"
case_ eval_bestresponse 2 "$TMP/e3.csv" eval "${SMALL[@]}" --set policy.type=bestresponse \
  --lambda 0,0.2,0.5,1 -o "$TMP/e3.csv"

# ---- run with trained policies -------------------------------------------------
case_ run_mlp_agent 2 "$TMP/ra.h5" run -q "${POL[@]}" --policy "$TMP/t_ppo_agent.h5" \
  --set output.agents=every:2 -o "$TMP/ra.h5"
case_ run_mlp_shared 3 "$TMP/rs.h5" run -q "${POL[@]}" --set policy.sharing=shared \
  --policy "$TMP/t_ppo_shared.h5" --set dual.mode=tracking -o "$TMP/rs.h5"
case_ run_mlp_mappo 1 "$TMP/rm.h5" run -q "${POL[@]}" --policy "$TMP/t_mappo-l_agent.h5" \
  --set dual.mode=central -o "$TMP/rm.h5"

# ---- DR-net: the yardstick, the networked trainers, a kappa-hop run ----------------
NET=(--set env.name=drnet --set graph.type=ring --set graph.k=2 --set graph.agents=48
     --set env.horizon=24 --set train.copies=4 --set train.minibatches=2 --set train.epochs=2
     --set train.eval_every=2 --set train.eval_copies=2 --set policy.hidden=8
     --set train.critic_hidden=8 --set train.iterations=2)
case_ run_br_drnet_feeder 2 "$TMP/rdf.h5" run -q "${BR[@]}" --set env.name=drnet \
  --set dual.mode=feeder --set dual.eta=0.05 -o "$TMP/rdf.h5"
case_ train_scal_k2 3 "$TMP/ts.h5" train -q "${NET[@]}" --set train.algo=scal-mappo-l \
  --set train.kappa=2 -o "$TMP/ts.h5"
case_ train_happo 2 "$TMP/th.h5" train -q "${NET[@]}" --set train.algo=happo -o "$TMP/th.h5"
case_ train_ippo_l 2 "$TMP/ti.h5" train -q "${NET[@]}" --set train.algo=ippo-l -o "$TMP/ti.h5"
case_ run_scal_k2 2 "$TMP/rsk.h5" run -q --set env.name=drnet --set graph.type=ring \
  --set graph.k=2 --set graph.agents=48 --set policy.hidden=8 --set run.days=2 \
  --set dual.mode=local-cost --policy "$TMP/ts.h5" -o "$TMP/rsk.h5"

# ---- real inputs (tests may read ../shared; the program does not need it) --------
grid=$SAMARL_SHARED/data/grids/case118.nodes.csv
prof=$(ls "$SAMARL_SHARED"/data/citylearn2022/*.csv 2>/dev/null | head -1)
if have_shared && [[ -f $grid && -n $prof ]]; then
  case_ run_br_profiles 2 "$TMP/rp.h5" run -q --set policy.type=bestresponse --set graph.type=file \
    --set graph.path="$SAMARL_SHARED/data/grids/case118.graph" --set env.nodes="$grid" \
    --set env.profiles="$prof" --set run.days=2 -o "$TMP/rp.h5"
  case_ train_ppo_profiles 2 "$TMP/tp.h5" train -q "${SMALL[@]}" --set env.profiles="$prof" \
    --set train.iterations=2 -o "$TMP/tp.h5"
else
  pass "# SKIP no ../shared data"; pass "# SKIP no ../shared data"
fi

done_testing
