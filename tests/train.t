# samarl train / samarl eval end to end: policy.h5 weights bit-identical on
# 1, 2 and 3 ranks (per-agent and shared), --resume continues exactly, the
# eval CSV, real profile and nodes inputs, and every bad input refused with
# a clear message on all ranks.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"
SMALL=(--set graph.agents=6 --set graph.type=ring --set graph.k=1 --set env.horizon=24
       --set train.copies=4 --set train.minibatches=2 --set train.epochs=2
       --set train.eval_every=2 --set train.eval_copies=2 --set policy.hidden=8)
same() { h5diff "$1" "$2" "$3" "$3"; }
DSETS=(/params /adam_m /adam_v /obs_mean /obs_scale /agents/scale /train/aug_reward
       /train/eval_return /train/eval_usage)

# Determinism across rank counts, per-agent and shared.
for sharing in agent shared; do
  for np in 1 2 3; do
    run_np "$np" $SAMARL train -q "${SMALL[@]}" --set policy.sharing=$sharing --set train.iterations=3 \
      -o "$TMP/$sharing.$np.h5" >"$TMP/$sharing.$np.log" 2>&1 || { diag "train $sharing np=$np failed"; tail -5 "$TMP/$sharing.$np.log"; }
  done
  for np in 2 3; do
    bad=
    for d in "${DSETS[@]}"; do same "$TMP/$sharing.1.h5" "$TMP/$sharing.$np.h5" "$d" >/dev/null 2>&1 || bad="$bad $d"; done
    if [[ -z $bad && -f $TMP/$sharing.$np.h5 ]]; then pass "sharing=$sharing: policy.h5 on $np ranks = 1 rank, bit for bit"
    else fail "sharing=$sharing: $np ranks differ from 1 rank in:$bad"; fi
  done
done
# The OpenBLAS kernel is deterministic too (auto picks AVX-512 where the CPU
# has it, so this is the other code path).
for np in 1 3; do
  run_np "$np" $SAMARL train -q "${SMALL[@]}" --set policy.kernel=blas --set train.iterations=3 \
    -o "$TMP/blas.$np.h5" >"$TMP/blas.$np.log" 2>&1 || diag "train blas np=$np failed"
done
ok "policy.kernel=blas: policy.h5 on 3 ranks = 1 rank, bit for bit" same "$TMP/blas.1.h5" "$TMP/blas.3.h5" /params
run_np 1 $SAMARL train -q "${SMALL[@]}" --set train.iterations=3 --set run.seed=2 -o "$TMP/seed2.h5" >/dev/null 2>&1
ok "another run.seed gives other weights (the comparison can fail)" bash -c \
  "h5diff -q $TMP/agent.1.h5 $TMP/seed2.h5 /params /params >/dev/null 2>&1; [[ \$? -eq 1 ]]"
like "the file says what it is" <(h5dump -a /format -a /n_agents -a /sharing "$TMP/agent.1.h5") 'samarl-policy'
like "JSON record beside it with the throughput" "$TMP/agent.1.json" '"agent_steps_per_s"'
ok "no temporary file left" test ! -e "$TMP/agent.1.h5.partial"

# --resume: 2 + 2 iterations equal 4 in one go.
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 -o "$TMP/r4.h5" >/dev/null 2>&1
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.iterations=2 -o "$TMP/r2.h5" >/dev/null 2>&1
run_np 3 $SAMARL train "${SMALL[@]}" --set train.iterations=4 --resume "$TMP/r2.h5" -o "$TMP/r22.h5" >"$TMP/resume.log" 2>&1
bad=
for d in /params /adam_m /adam_v /train/aug_reward /train/eval_return; do same "$TMP/r4.h5" "$TMP/r22.h5" "$d" >/dev/null 2>&1 || bad="$bad $d"; done
if [[ -z $bad ]]; then pass "--resume after 2 iterations (on another rank count) = 4 iterations straight"
else fail "--resume differs in:$bad"; sed 's/^/#   /' "$TMP/resume.log" | tail; fi
like "resume says where it continues" "$TMP/resume.log" 'resuming .* after 2 iterations'
# OUTPUT.train.csv: the curve line by line as it trains, the same numbers
# as /train; a resumed training's file holds every iteration once.
csv_matches() {
  /usr/bin/python3 - "$1" "$1.train.csv" <<'PY'
import csv, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
rows = list(csv.DictReader(open(sys.argv[2])))
t = f["/train"]
n = len(t["aug_reward"])
assert len(rows) == n, (len(rows), n)
assert [int(r["iteration"]) for r in rows] == list(range(1, n + 1))
for k in ("aug_reward", "entropy", "approx_kl", "clip_frac", "value_loss"):
    assert np.array_equal(np.array([float(r[k]) for r in rows]), t[k][:]), k
lam = t["eval_lambda"][:]
for e, it in enumerate(t["eval_iteration"][:]):
    r = rows[it - 1]
    for j, l in enumerate(lam):
        assert float(r["return_at_%g" % l]) == t["eval_return"][e, j]
        assert float(r["usage_at_%g" % l]) == t["eval_usage"][e, j]
evald = set(int(i) for i in t["eval_iteration"][:])
for r in rows:
    if int(r["iteration"]) not in evald:
        assert r["return_at_%g" % lam[0]] == "", r
PY
}
ok "train writes OUTPUT.train.csv, the same numbers as /train" csv_matches "$TMP/r4.h5"
ok "  a resumed training's CSV has every iteration once" csv_matches "$TMP/r22.h5"

# Per-agent tables move through the file in slabs of columns; with tiny slabs
# (8 columns, many collective passes) the file and a resume are the same.
SAMARL_IO_SLAB_BYTES=64 run_np 3 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 -o "$TMP/slab.h5" >/dev/null 2>&1
bad=
for d in /params /adam_m /adam_v /obs_mean /obs_scale; do same "$TMP/r4.h5" "$TMP/slab.h5" "$d" >/dev/null 2>&1 || bad="$bad $d"; done
if [[ -z $bad && -f $TMP/slab.h5 ]]; then pass "written in 8-column slabs on 3 ranks = one slab on 2 ranks"
else fail "slab-wise write differs in:$bad"; fi
SAMARL_IO_SLAB_BYTES=64 run_np 3 $SAMARL train -q "${SMALL[@]}" --set train.iterations=4 --resume "$TMP/r2.h5" -o "$TMP/slab22.h5" >/dev/null 2>&1
ok "read in 8-column slabs: --resume still equals the straight run" same "$TMP/r4.h5" "$TMP/slab22.h5" /adam_v

# Untrained (iterations = 0) and weights-only files.
run_np 2 $SAMARL train -q "${SMALL[@]}" --set train.iterations=0 --set train.save_adam=false -o "$TMP/w0.h5" >"$TMP/w0.log" 2>&1
ok "train.iterations=0 writes the initialised networks" h5ls "$TMP/w0.h5/params"
ok "train.save_adam=false leaves the Adam moments out" bash -c "! h5ls $TMP/w0.h5/adam_m >/dev/null 2>&1"
ok "untrained networks are not all zero (they were initialised)" bash -c   "h5dump -d /params -c 1,16 $TMP/w0.h5 | grep -Eq '[1-9]'"
run_np 1 $SAMARL train -q "${SMALL[@]}" --set train.iterations=0 -o "$TMP/w0full.h5" >/dev/null 2>&1
ok "iterations=0 gives the same initial networks on 1 and 2 ranks" same "$TMP/w0.h5" "$TMP/w0full.h5" /params
run_np 2 $SAMARL eval "${SMALL[@]}" --policy "$TMP/w0.h5" --lambda 0,1 -o "$TMP/w0.csv" >/dev/null 2>&1
ok "a weights-only file evaluates" test -f "$TMP/w0.csv"
expect_error "a weights-only file cannot be resumed" 2 "train.save_adam = false" \
  $SAMARL train "${SMALL[@]}" --set train.iterations=2 --resume "$TMP/w0.h5" -o "$TMP/x.h5"
ok "the refused resume wrote nothing" test ! -e "$TMP/x.h5"

# eval: table and CSV.
run_np 2 $SAMARL eval "${SMALL[@]}" --policy "$TMP/r4.h5" --lambda 0,0.5,1 -o "$TMP/curve.csv" >"$TMP/eval.log" 2>&1
ok "eval wrote the curve" test -f "$TMP/curve.csv"
like "CSV header" <(head -1 "$TMP/curve.csv") '^lambda,usage,served,return,best_usage,best_served,best_return$'
ok "one row per lambda" test "$(wc -l <"$TMP/curve.csv")" -eq 4
like "eval prints the best response beside the policy" "$TMP/eval.log" 'best_usage'
run_np 1 $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --lambda 0,0.2,0.5,1 -o "$TMP/br.csv" >/dev/null 2>&1
ok "best response: usage falls as lambda rises" awk -F, 'NR > 2 && $2 >= prev { exit 1 } NR > 1 { prev = $2 }' "$TMP/br.csv"
ok "best response evaluated twice on the same draws gives the same numbers" \
  awk -F, 'NR > 1 && ($2 != $5 || $4 != $7) { exit 1 }' "$TMP/br.csv"

# Real inputs: a CityLearn profile file and a grid's nodes file.
if have_shared; then
  ok "eval with the CityLearn 2022 profiles" run_np 2 $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse \
    --set env.profiles="$SAMARL_SHARED/data/citylearn2022/profiles.csv" --lambda 0,0.3
  ok "eval on case118 with loads from its nodes file" run_np 2 $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse \
    --set graph.type=file --set graph.path="$SAMARL_SHARED/data/grids/case118.graph" --set graph.agents=118 \
    --set env.nodes="$SAMARL_SHARED/data/grids/case118.nodes.csv" --lambda 0.2
fi

# Bad inputs: each refused on every rank with a message saying what to fix.
printf 'not hdf5\n' >"$TMP/corrupt.h5"
expect_error "missing policy file" 2 "cannot open|does not exist|no such" \
  $SAMARL eval "${SMALL[@]}" --policy "$TMP/nope.h5"
expect_error "corrupt policy file" 2 "not an HDF5|not HDF5|cannot open" \
  $SAMARL eval "${SMALL[@]}" --policy "$TMP/corrupt.h5"
run_np 1 $SAMARL consensus -q --set graph.agents=6 --set graph.type=ring --set graph.k=1 \
  --set consensus.rounds=2 --set consensus.sigma_iters=0 -o "$TMP/c.h5" >/dev/null 2>&1
expect_error "a consensus file is not a policy file" 2 "format is 'samarl-consensus', expected 'samarl-policy'" \
  $SAMARL eval "${SMALL[@]}" --policy "$TMP/c.h5"
expect_error "policy for another agent count" 2 "number of agents .* = 6, but this configuration has 7" \
  $SAMARL eval "${SMALL[@]}" --set graph.agents=7 --policy "$TMP/r4.h5"
expect_error "policy with another network shape" 2 "policy.hidden = 8, but this configuration has 16" \
  $SAMARL eval "${SMALL[@]}" --set policy.hidden=16 --policy "$TMP/r4.h5"
expect_error "policy for another environment names the key" 2 "different environment.*kappa" \
  $SAMARL eval "${SMALL[@]}" --set env.kappa=0.1 --policy "$TMP/r4.h5"
expect_error "shared policy file run with --set policy.sharing=agent" 2 "policy.sharing = shared, but this configuration has agent" \
  $SAMARL eval "${SMALL[@]}" --set policy.sharing=agent --policy "$TMP/shared.1.h5"
expect_error "resume from a mismatched file" 2 "number of agents" \
  $SAMARL train "${SMALL[@]}" --set graph.agents=5 --resume "$TMP/r4.h5" -o "$TMP/x.h5"
expect_error "mlp eval without --policy" 1 "needs --policy" $SAMARL eval "${SMALL[@]}"
expect_error "training the analytic policy" 1 "needs no training" \
  $SAMARL train "${SMALL[@]}" --set policy.type=bestresponse -o "$TMP/x.h5"
expect_error "unwritable output fails before training" 2 "directory .* does not exist" \
  $SAMARL train "${SMALL[@]}" -o "$TMP/no/such/dir/p.h5"
expect_error "bad --lambda" 1 "--lambda 'x': 'x' is not a number" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --lambda x
expect_error "negative --lambda" 1 "negative" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --lambda 0,-1
expect_error "env.levels must increase" 1 "values must increase" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.levels=0,1,0.5
expect_error "env.levels with one value" 1 "at least 2" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.levels=1
printf 'id,pd_mw\n0,1\n1,2\n2,3\n' >"$TMP/short.csv"
expect_error "nodes CSV with fewer rows than agents" 2 "3 agent rows, but the graph has 6 agents" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.nodes="$TMP/short.csv"
printf 'id,pd_mw\n0,1\n1,2\n2,-3\n3,1\n4,1\n5,1\n' >"$TMP/neg.csv"
expect_error "negative load under env.negative_loads = error" 2 "agent 2: pd_mw = -3 is negative" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.nodes="$TMP/neg.csv" \
  --set env.negative_loads=error
run_np 2 $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.nodes="$TMP/neg.csv" \
  >"$TMP/neg.log" 2>&1
like "a negative load counts as zero by default, with a note" "$TMP/neg.log" \
  '1 agents have a negative pd_mw [(]-3 in all.*clipped to zero load' 
run_np 1 $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.nodes="$TMP/neg.csv" \
  --set env.negative_loads=zero >"$TMP/neg0.log" 2>&1
like "env.negative_loads = zero, the former name of clip, is still read" "$TMP/neg0.log" \
  'clipped to zero load'
printf 'id,load\n0,1\n1,2\n2,3\n3,1\n4,1\n5,1\n' >"$TMP/nocol.csv"
expect_error "nodes CSV without the load column" 2 "no column 'pd_mw'.*id, load" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.nodes="$TMP/nocol.csv"
{ echo "t,hour,cost"; for i in $(seq 0 23); do echo "$i,$i,0.2"; done; } >"$TMP/prof_cols.csv"
expect_error "profiles with wrong columns" 2 "expected a CityLearn-format profile .*no 'price' column.*no 'load_b1'" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.profiles="$TMP/prof_cols.csv"
{ echo "t,price,load_b1"; for i in $(seq 0 23); do if [[ $i == 5 ]]; then echo "$i,0.2,abc"; else echo "$i,0.2,1.5"; fi; done; } >"$TMP/prof_nan.csv"
expect_error "profiles with a non-numeric cell" 2 "prof_nan.csv:7: column 'load_b1': 'abc' is not a finite number" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.profiles="$TMP/prof_nan.csv"
{ echo "t,price,load_b1"; for i in $(seq 0 9); do echo "$i,0.2,1"; done; } >"$TMP/prof_short.csv"
expect_error "profiles that are not whole days" 2 "10 hourly rows, expected a whole number of days" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.profiles="$TMP/prof_short.csv"
{ echo "t,price,load_b1"; for i in $(seq 0 23); do echo "$i,0.2,-1"; done; } >"$TMP/prof_neg.csv"
expect_error "profiles with a negative load" 2 "load_b1 = -1 is negative" \
  $SAMARL eval "${SMALL[@]}" --set policy.type=bestresponse --set env.profiles="$TMP/prof_neg.csv"
jq_() { /usr/bin/python3 -c "import json, sys; r = json.load(open('$1')); v = $2; print(v); sys.exit(0 if v is not False else 1)"; }
# The memory guard: training is refused before it allocates when its buffers
# would not fit in the node's MemAvailable (overridden here), on every rank,
# with the figures and what grows; the threshold is 90% of MemAvailable, and
# the estimate tracks the memory a run really takes.
for sharing in agent shared; do
  SAMARL_MEM_AVAILABLE=1000 expect_error "memory guard, sharing=$sharing: bytes, ranks and MemAvailable named" 2 \
    "ppo with policy.sharing = $sharing needs about .* GB more memory on this node \\(2 ranks, .*MemAvailable is 1e-06 GB: spread the agents over more nodes" \
    $SAMARL train "${SMALL[@]}" --set policy.sharing=$sharing --set train.iterations=1 -o "$TMP/mem.h5"
  ok "the refused run ($sharing) wrote nothing" bash -c "[[ ! -e $TMP/mem.h5 && ! -e $TMP/mem.h5.partial ]]"
done
run_np 1 $SAMARL train -q --set graph.agents=512 --set policy.sharing=shared --set train.iterations=1 \
  --set train.eval_every=0 -o "$TMP/big.h5" >"$TMP/big.log" 2>&1 || diag "shared N=512 failed"
need=$(jq_ "$TMP/big.json" "r['results']['buffer_bytes_rank0']")
ok "the estimate (shared, N = 512: ${need} bytes) is within 15% of the memory the run took" \
  jq_ "$TMP/big.json" "abs(r['results']['buffer_bytes_rank0'] / (r['memory']['peak_rss_bytes_max'] - r['memory']['setup_peak_rss_bytes_max']) - 0.95) < 0.15"
fits=$(awk -v b="$need" 'BEGIN { printf "%.0f", b / 0.9 * 1.01 }')
short=$(awk -v b="$need" 'BEGIN { printf "%.0f", b / 0.9 * 0.99 }')
ok "MemAvailable 1% above need / 0.9: trains" env SAMARL_MEM_AVAILABLE="$fits" $SAMARL train -q \
  --set graph.agents=512 --set policy.sharing=shared --set train.iterations=0 -o "$TMP/fits.h5"
SAMARL_MEM_AVAILABLE="$short" expect_error "MemAvailable 1% below need / 0.9: refused" 1 "rollout, kept for the shared network's minibatches, 512 agents x 5376 samples x 49 bytes" \
  $SAMARL train --set graph.agents=512 --set policy.sharing=shared --set train.iterations=0 -o "$TMP/short.h5"
done_testing
