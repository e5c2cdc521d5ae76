# Communication faults in the consensus rounds ([faults]): the engine
# against a serial reference of the fault model on 1-4 ranks (test_faults.c);
# samarl run and samarl consensus under faults bit-identical on 1-3 ranks;
# faults 0 = no [faults]; link_drop 1 = dual.mode local; late messages do not
# cross dual epochs; the settings are recorded; bad values are refused;
# misbehaving agents (faults.byzantine) against consensus.aggregate: W-MSR
# (trimmed:F) and the median keep every value in the honest range where the
# plain mean is dragged away, the same bits on 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 300) $MPIRUN"

# ---- the engine ---------------------------------------------------------------------
while IFS= read -r line; do
  if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then pass "${BASH_REMATCH[1]}"
  elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then fail "${BASH_REMATCH[1]}"
  elif [[ $line == \#* ]]; then echo "$line"; fi
done < <("$here/tap-mpi" "$SAMARL_BUILD/tests/test_faults" 1 2 3 4)

# ---- samarl run -----------------------------------------------------------------------
PY=/usr/bin/python3
BR=(--set policy.type=bestresponse --set graph.agents=256 --set graph.type=ring --set graph.k=2
    --set run.days=7 --set consensus.sigma_iters=0)
# same NAME A.h5 B.h5 DATASET...: every dataset bit-identical (h5diff exit 0).
same() {
  local d=$1 a=$2 b=$3 bad=; shift 3
  for g in "$@"; do h5diff "$a" "$b" "$g" "$g" >/dev/null 2>&1 || bad="$bad $g"; done
  if [[ -z $bad ]]; then pass "$d"; else fail "$d (differ:$bad)"; fi
}
frun() { local np=$1 out=$2; shift 2; run_np "$np" $SAMARL run "${BR[@]}" "$@" -o "$TMP/$out.h5" >"$TMP/$out.log" 2>&1 || { diag "run $out failed"; tail -5 "$TMP/$out.log"; }; }

frun 2 plain -q
printf '[faults]\nlink_drop = 0\nagent_dropout = 0\ndropout_rounds = 3\nstale = 0\n' >"$TMP/zero.ini"
frun 2 zero -q -c "$TMP/zero.ini"
same "faults all 0 ([faults] given): run.h5 bit-identical to a config without [faults]" \
  "$TMP/plain.h5" "$TMP/zero.h5" /series /traj

for np in 1 2 3; do frun $np drop$np --set faults.link_drop=0.2; done
same "link_drop 0.2: run.h5 on 2 ranks = 1 rank, bit for bit" "$TMP/drop1.h5" "$TMP/drop2.h5" /series /traj
same "link_drop 0.2: run.h5 on 3 ranks = 1 rank, bit for bit" "$TMP/drop1.h5" "$TMP/drop3.h5" /series /traj
ok "the comparison can fail: link_drop 0.2 changes the multipliers of link_drop 0" bash -c \
  "h5diff -q '$TMP/plain.h5' '$TMP/drop1.h5' /traj/lambda /traj/lambda >/dev/null 2>&1; [[ \$? -eq 1 ]]"

ALL=(--set dual.mode=tracking --set faults.link_drop=0.1 --set faults.agent_dropout=0.1
     --set faults.dropout_rounds=7 --set faults.stale=0.5)
frun 1 track1 "${ALL[@]}"
frun 3 track3 "${ALL[@]}"
same "tracking under every fault: run.h5 on 3 ranks = 1 rank, bit for bit" \
  "$TMP/track1.h5" "$TMP/track3.h5" /series /traj

# tracking-ratio (push-sum with running sums) under every fault: the same
# bits on 1-4 ranks.
RATIO=(--set dual.mode=tracking-ratio --set faults.link_drop=0.1 --set faults.agent_dropout=0.1
       --set faults.dropout_rounds=7 --set faults.stale=0.5)
for np in 1 2 3 4; do frun $np ratio$np "${RATIO[@]}"; done
for np in 2 3 4; do
  same "tracking-ratio under every fault: run.h5 on $np ranks = 1 rank, bit for bit" \
    "$TMP/ratio1.h5" "$TMP/ratio$np.h5" /series /traj
done
expect_error "tracking-ratio refuses lying agents, naming why" 2 \
  "dual.mode = tracking-ratio carries running sums.*faults.byzantine = 0.01" \
  $SAMARL run "${BR[@]}" --set dual.mode=tracking-ratio --set faults.byzantine=0.01 -o "$TMP/bad.h5"
ok "... and writes nothing" test ! -e "$TMP/bad.h5"
expect_error "tracking-ratio refuses a robust consensus.aggregate" 2 \
  "dual.mode = tracking-ratio adds up masses.*consensus.aggregate = median" \
  $SAMARL run "${BR[@]}" --set dual.mode=tracking-ratio --set consensus.aggregate=median -o "$TMP/bad.h5"
# On the Polish grid with its bus loads, 30% of the messages lost: tracking's
# renormalised rows lose the network's sum and its slack moves by several
# per cent of C; tracking-ratio's lost mass arrives later and its slack stays
# within 1% of C of its lossless run.
if have_shared; then
  col=$(head -1 "$SAMARL_SHARED/data/grids/case2383wp.nodes.csv" | tr ',' '\n' | grep -nx pd_mw | cut -d: -f1)
  awk -F, -v OFS=, -v c="$col" 'NR > 1 && $c < 0 {$c = 0} {print}' \
    "$SAMARL_SHARED/data/grids/case2383wp.nodes.csv" >"$TMP/pl.nodes.csv"
  PL=(-q --set policy.type=bestresponse --set output.agents=none --set consensus.sigma_iters=0
      --set graph.type=file --set graph.path="$SAMARL_SHARED/data/grids/case2383wp.graph"
      --set env.nodes="$TMP/pl.nodes.csv" --set run.days=14)
  for m in tracking tracking-ratio; do
    for p in 0 0.3; do
      run_np 2 $SAMARL run "${PL[@]}" --set dual.mode=$m --set faults.link_drop=$p -o "$TMP/pl_${m}_$p.h5" >/dev/null 2>&1
    done
  done
  ok "case2383wp, 30% of messages lost: tracking-ratio's slack within 1% of C of its lossless run, tracking's off by more than 3%" \
    $PY -c "import h5py,sys
gap = lambda m: abs(h5py.File(sys.argv[1] + '/pl_%s_0.3.h5' % m)['summary'].attrs['avg_slack_ratio'] - h5py.File(sys.argv[1] + '/pl_%s_0.h5' % m)['summary'].attrs['avg_slack_ratio'])
print(gap('tracking'), gap('tracking-ratio')); sys.exit(not (gap('tracking-ratio') < 0.01 and gap('tracking') > 0.03))" "$TMP"
else
  pass "# SKIP tracking-ratio on case2383wp (no ../shared/data/grids)"
fi

# link_drop 1: no message arrives, W^K is the identity, and the paper's
# consensus takes the same dual step as local, lambda_i = max(0, lambda_i +
# eta (g_i - C/N)) (the default consensus carries mu unprojected instead).
frun 2 lost --set faults.link_drop=1 --set dual.mode=consensus-paper
frun 2 local --set dual.mode=local
same "link_drop 1 with dual.mode consensus-paper = dual.mode local, bit for bit" "$TMP/lost.h5" \
  "$TMP/local.h5" /traj /series/lambda_mean /series/lambda_min /series/lambda_max \
  /series/disagreement /series/total_usage /series/served /series/backlog
# Every agent silent for the whole run (one window; each agent misses it with
# probability 1e-10, and with this seed none does): no mixing either.
frun 2 silent --set faults.agent_dropout=0.9999999999 --set faults.dropout_rounds=1e9 \
  --set dual.mode=consensus-paper
same "agent_dropout ~1 in one window for the run = dual.mode local" "$TMP/silent.h5" \
  "$TMP/local.h5" /traj /series/lambda_mean /series/disagreement
# stale 1 with one round per epoch: the first round of a call has no round
# before, so nothing is late; the same as faults on with nothing lost.
frun 2 late1 --set faults.stale=1 --set dual.rounds=1
frun 2 tiny1 --set faults.link_drop=1e-300 --set dual.rounds=1
same "stale 1 with dual.rounds 1 = faults on with nothing lost: no late value crosses epochs" \
  "$TMP/late1.h5" "$TMP/tiny1.h5" /series /traj
frun 2 late2 --set faults.stale=1 --set dual.rounds=2
frun 2 tiny2 --set faults.link_drop=1e-300 --set dual.rounds=2
ok "the comparison can fail: with dual.rounds 2, stale 1 is late in the second round" bash -c \
  "h5diff -q '$TMP/late2.h5' '$TMP/tiny2.h5' /traj/lambda /traj/lambda >/dev/null 2>&1; [[ \$? -eq 1 ]]"

# The settings are recorded.
frun 1 head --set faults.link_drop=0.05 --set faults.stale=0.25
like "the run header prints the faults" "$TMP/head.log" \
  'faults: link_drop 0.05 \(message\), agent_dropout 0 \(windows of 20 rounds\), stale 0.25'
like "run.h5 records faults_link_drop" <(h5dump -a /faults_link_drop "$TMP/head.h5") '\(0\): 0.05'
like "run.h5 records faults_stale" <(h5dump -a /faults_stale "$TMP/head.h5") '\(0\): 0.25'
like "run.h5 records faults_dropout_rounds" <(h5dump -a /faults_dropout_rounds "$TMP/head.h5") '\(0\): 20'
like "run.h5 records faults_agent_dropout" <(h5dump -a /faults_agent_dropout "$TMP/head.h5") '\(0\): 0'

# ---- samarl consensus -----------------------------------------------------------------
CS=(--set graph.agents=500 --set consensus.rounds=60 --set consensus.sigma_iters=0
    --set faults.link_drop=0.3 --set faults.agent_dropout=0.2 --set faults.dropout_rounds=4
    --set faults.stale=0.5 --set consensus.report_every=7)
for np in 1 3; do
  run_np $np $SAMARL consensus "${CS[@]}" -o "$TMP/c$np.h5" >"$TMP/c$np.log" 2>&1 || diag "consensus np $np failed"
done
same "samarl consensus under faults: /consensus/final on 3 ranks = 1 rank" "$TMP/c1.h5" "$TMP/c3.h5" \
  /consensus/final /consensus/disagreement
like "samarl consensus prints the faults" "$TMP/c1.log" 'faults: link_drop 0.3, agent_dropout 0.2 \(windows of 4 rounds\), stale 0.5'
like "samarl consensus records them" <(h5dump -a /consensus/faults_stale "$TMP/c1.h5") '\(0\): 0.5'

# ---- misbehaving agents and the robust aggregates ---------------------------------------
# 2% of 500 agents on a ring of degree 6 (3 a side) send lies; values start
# U(0, 1). W-MSR's guarantee: with at most F lying neighbours every value
# stays in the honest start range; the plain mean is dragged out of it.
# (On this ring a block of F + 1 drifted agents pulls its neighbours: at 5%
# liars trimmed:2 loses a few agents to clusters of three; the graph must
# be robust enough for F, as the theory says.) mtm:10 drops lies far from
# its neighbourhood's median and keeps the honest values that trimming
# drops: it keeps the range and mixes more (a smaller honest spread).
BZ=(--set graph.agents=500 --set graph.type=ring --set graph.k=3 --set consensus.rounds=40
    --set consensus.sigma_iters=0 --set faults.byzantine=0.02)
range_of() { $PY -c "import h5py,sys; v=h5py.File(sys.argv[1])['consensus/final'][...]; print(v.min(), v.max())" "$1"; }
for mode in constant sign-flip noise; do
  for agg in mean trimmed:2 median mtm:10; do
    tag=${mode}_${agg/:/}
    run_np 2 $SAMARL consensus -q "${BZ[@]}" --set faults.byzantine_mode=$mode \
      --set consensus.aggregate=$agg -o "$TMP/bz_$tag.h5" >"$TMP/bz_$tag.log" 2>&1 || diag "consensus $tag failed"
  done
  ok "byzantine $mode, trimmed:2: every final value stays in [0, 1] (W-MSR)" \
    $PY -c "import h5py,sys; v=h5py.File(sys.argv[1])['consensus/final'][...]; sys.exit(not (v.min() >= 0 and v.max() <= 1))" "$TMP/bz_${mode}_trimmed2.h5"
  [[ $mode == sign-flip ]] && continue # lies inside the honest range: mtm takes them in, bounded
  ok "byzantine $mode, mtm:10: every honest final value stays in [0, 1], and their spread is below trimmed:2's" \
    $PY -c "import h5py,sys
def honest(p):
    f = h5py.File(p); return f['consensus/final'][...][f['graph/byzantine'][...] == 0]
m, t = (honest(p) for p in sys.argv[1:])
sys.exit(not (m.min() >= 0 and m.max() <= 1 and m.std() < 0.8 * t.std()))" "$TMP/bz_${mode}_mtm10.h5" "$TMP/bz_${mode}_trimmed2.h5"
done
ok "samarl consensus names its liars (/graph/byzantine, about 2% of 500) and the rule, as run.h5 does" \
  $PY -c "import h5py,sys; f=h5py.File(sys.argv[1]); b=f['graph/byzantine'][...]; sys.exit(not (set(b) <= {0, 1} and 0 < b.sum() < 0.06 * b.size and f.attrs['consensus_aggregate'] == 'mtm:10' and f.attrs['faults_byzantine_mode'] == 'noise'))" "$TMP/bz_noise_mtm10.h5"
ok "... and a run without liars has no /graph/byzantine" \
  $PY -c "import h5py,sys; sys.exit('graph/byzantine' in h5py.File(sys.argv[1]))" "$TMP/c1.h5"
ok "byzantine constant 10, plain mean: the values are dragged out of [0, 1]" \
  $PY -c "import h5py,sys; v=h5py.File(sys.argv[1])['consensus/final'][...]; sys.exit(not v.max() > 2)" "$TMP/bz_constant_mean.h5"
ok "byzantine sign-flip, median: every final value stays in [0, 1]" \
  $PY -c "import h5py,sys; v=h5py.File(sys.argv[1])['consensus/final'][...]; sys.exit(not (v.min() >= 0 and v.max() <= 1))" "$TMP/bz_sign-flip_median.h5"
for np in 1 3; do
  run_np $np $SAMARL consensus -q "${BZ[@]}" --set faults.byzantine_mode=noise \
    --set consensus.aggregate=trimmed:1 --set faults.link_drop=0.2 -o "$TMP/bzn$np.h5" >/dev/null 2>&1
done
same "byzantine noise + lost messages + trimmed:1: /consensus/final on 3 ranks = 1 rank" \
  "$TMP/bzn1.h5" "$TMP/bzn3.h5" /consensus/final /consensus/disagreement
frun 1 bzrun -q --set dual.mode=consensus --set faults.byzantine=0.02 --set consensus.aggregate=trimmed:2
frun 3 bzrun3 -q --set dual.mode=consensus --set faults.byzantine=0.02 --set consensus.aggregate=trimmed:2
same "samarl run, 2% byzantine, trimmed:2: run.h5 on 3 ranks = 1 rank" "$TMP/bzrun.h5" "$TMP/bzrun3.h5" \
  /series/lambda_mean /series/total_usage /series/disagreement
same "samarl run: /graph/byzantine (who lies) on 3 ranks = 1 rank" "$TMP/bzrun.h5" "$TMP/bzrun3.h5" \
  /graph/byzantine
ok "samarl run: the file names the liars (/graph/byzantine, about 2% of the agents) and the rule" \
  $PY -c "import h5py,sys; f=h5py.File(sys.argv[1]); b=f['graph/byzantine'][...]; sys.exit(not (set(b) <= {0, 1} and 0 < b.sum() < 0.06 * b.size and f.attrs['consensus_aggregate'] == 'trimmed:2' and f.attrs['faults_byzantine_mode'] == 'constant'))" "$TMP/bzrun.h5"
frun 2 bznamed -q --set dual.mode=consensus --set faults.byzantine_agents=17,5 --set consensus.aggregate=median
ok "faults.byzantine_agents names the liars: exactly gids 5 and 17 in /graph/byzantine" \
  $PY -c "import h5py,sys,numpy as np; f=h5py.File(sys.argv[1]); b=f['graph/byzantine'][...]; sys.exit(not (list(np.nonzero(b)[0]) == [5, 17] and f.attrs['faults_byzantine_agents'] == '17,5'))" "$TMP/bznamed.h5"
expect_error "a gid beyond graph.agents in faults.byzantine_agents is refused, naming the range" 2 \
  "byzantine_agents = '5,99999'.*agent gids in \[0, graph.agents" \
  $SAMARL run -q --set faults.byzantine_agents=5,99999 -o "$TMP/bad.h5"
if have_shared; then
  expect_error "a named liar beyond a graph file's agents is refused, naming its size" 2 \
    "byzantine_agents names agent 5000, and the graph has 2383" \
    $SAMARL consensus -q --set graph.type=file --set graph.path="$SAMARL_SHARED/data/grids/case2383wp.graph" \
    --set consensus.rounds=5 --set faults.byzantine_agents=5000 -o "$TMP/bad.h5"
  ok "... and nothing is written" test ! -e "$TMP/bad.h5"
else
  pass "# SKIP a named liar beyond a graph file's agents (no ../shared/data/grids)"
  pass "# SKIP ... and nothing is written"
fi
expect_error "a bad consensus.aggregate is refused, naming the forms" 2 \
  "aggregate = 'trim:2'.*expected mean, median, trimmed:F .* or mtm:Q" \
  $SAMARL consensus --set consensus.aggregate=trim:2
expect_error "mtm:0 is refused: Q must be positive" 2 \
  "aggregate = 'mtm:0'.*mtm:Q with a number Q in \(0, 1e6\]" \
  $SAMARL consensus --set consensus.aggregate=mtm:0
for np in 1 2 3 4; do
  run_np $np $SAMARL consensus -q "${BZ[@]}" --set faults.byzantine_mode=noise \
    --set consensus.aggregate=mtm:3 --set faults.link_drop=0.1 -o "$TMP/bzm$np.h5" >/dev/null 2>&1
done
for np in 2 3 4; do
  same "byzantine noise + lost messages + mtm:3: /consensus/final on $np ranks = 1 rank" \
    "$TMP/bzm1.h5" "$TMP/bzm$np.h5" /consensus/final /consensus/disagreement
done
frun 1 bzmrun -q --set dual.mode=consensus --set faults.byzantine=0.05 --set consensus.aggregate=mtm:10
frun 3 bzmrun3 -q --set dual.mode=consensus --set faults.byzantine=0.05 --set consensus.aggregate=mtm:10
same "samarl run, 5% byzantine, mtm:10: run.h5 on 3 ranks = 1 rank" "$TMP/bzmrun.h5" "$TMP/bzmrun3.h5" \
  /series/lambda_mean /series/total_usage /series/disagreement

# ---- bad values, refused on every rank -------------------------------------------------
expect_error "link_drop < 0 refused" 2 'faults.link_drop: expected a number in \[0, 1\], got .-0.1.' \
  $SAMARL run "${BR[@]}" --set faults.link_drop=-0.1
expect_error "link_drop > 1 refused" 2 'faults.link_drop: expected a number in \[0, 1\], got .1.5.' \
  $SAMARL run "${BR[@]}" --set faults.link_drop=1.5
expect_error "agent_dropout = 1 refused" 2 'faults.agent_dropout: expected a number in \[0, 1\), got .1.' \
  $SAMARL consensus --set faults.agent_dropout=1
expect_error "dropout_rounds = 0 refused" 2 'faults.dropout_rounds: expected an integer in \[1, 1000000000\], got .0.' \
  $SAMARL run "${BR[@]}" --set faults.dropout_rounds=0
printf '[faults]\nstale = 2\n' >"$TMP/bad.ini"
expect_error "stale > 1 in a file refused with file:line" 2 'bad.ini:2: \[faults\] stale: expected a number in \[0, 1\]' \
  $SAMARL run -c "$TMP/bad.ini" "${BR[@]}"
done_testing
