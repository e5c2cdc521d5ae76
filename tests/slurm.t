# SLURM batch scripts on a real one-node SLURM cluster brought up in the
# temp dir: munged with a generated key on its own socket, slurmctld and
# slurmd from a generated slurm.conf (own ports, spool, state, logs; root;
# no cgroups, no accounting). scripts/slurm/samarl.sbatch runs samarl run on
# 2 tasks: the job completes, its directory holds the config copy, the log
# with the launcher and the HDF5 written by 2 ranks, bit-identical to the
# same run by mpirun -np 1, and samarl does not warn about SLURM_NTASKS
# (a job that does launch the wrong rank count shows that it would). The
# mpirun fallback, a bad command line, and both sweeps of
# scripts/slurm/sweep.sh (steps inside one allocation; one job per size)
# are checked too. Requeue: a job requeued by scontrol, and one (--name)
# that requeues itself on USR1 twice, continue from their checkpoints, bit
# for bit; scripts/slurm/array.sh runs a 6-row manifest as a job array and
# gathers one table. Skipped where slurm-wlm/munge are not installed.
source "$(dirname "$0")/lib.sh"
PATH=$PATH:/usr/sbin:/sbin
for b in munged munge slurmctld slurmd sbatch srun scontrol sinfo scancel; do
  if ! command -v $b >/dev/null; then echo "1..0 # SKIP slurm-wlm/munge not installed ($b missing)"; exit 0; fi
done
if [[ $(id -u) -ne 0 ]]; then echo "1..0 # SKIP slurmd needs root"; exit 0; fi
# Nothing from an outer SLURM job (make test run inside an allocation) may leak in.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(SLURM|SBATCH|SALLOC|SRUN)_' || true)

MPIRUN="timeout -k 5 $(tlimit 60) $MPIRUN"
S=$TMP/slurm
mkdir -p "$S/munge" "$S/state" "$S/spool" "$S/tmp" "$S/log" "$TMP/jobs"
pids=() jobids=()
cleanup() {
  set +e
  if [[ ${#jobids[@]} -gt 0 ]]; then scancel "${jobids[@]}" >/dev/null 2>&1; fi
  local p i
  # slurmd first, munged last: the daemons talk to munged while they stop.
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null
    for ((i = 0; i < 30; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  [[ -n ${SAMARL_TEST_KEEP:-} ]] && { echo "# kept $TMP" >&2; return; }; rm -rf "$TMP"
}
trap cleanup EXIT

logs() { # print the daemons' logs as TAP comments
  local f
  for f in "$S"/log/*; do
    [[ -s $f ]] || continue
    echo "#   ---- $(basename "$f") (last 15 lines)"
    tail -15 "$f" | sed 's/^/#   /'
  done
}
bail() { fail "$1"; logs; done_testing; exit 1; }

# ---- the cluster ------------------------------------------------------------------
# Two free TCP ports next to each other (not listening in /proc/net/tcp*).
port_used() { local h; printf -v h ':%04X ' "$1"; grep -q "$h" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
for ((try = 0; try < 50; try++)); do
  port=$((20000 + (RANDOM % 20000) * 2))
  port_used $port || port_used $((port + 1)) || break
done
host=$(uname -n); host=${host%%.*}
cpus=$(nproc); [[ $cpus -ge 2 ]] || cpus=2
mem=$(awk '/^MemTotal:/ { m = int($2 / 1024 * 0.9); print (m > 1 ? m : 1) }' /proc/meminfo)

dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$S/munge/munge.key"
M=$S/munge/munge.sock
munged --foreground --force --key-file="$S/munge/munge.key" --socket="$M" \
  --pid-file="$S/munge/munged.pid" --log-file="$S/log/munged.log" --seed-file="$S/munge/munged.seed" \
  >>"$S/log/munged.log" 2>&1 &
pids=($!)

cat >"$S/slurm.conf" <<EOF
# A one-node test cluster (tests/slurm.t).
ClusterName=samarltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$M
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
TmpFS=$S/tmp
PlugStackConfig=$S/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
: >"$S/plugstack.conf"
export SLURM_CONF=$S/slurm.conf

for ((i = 0; i < 50; i++)); do [[ -S $M ]] && break; sleep 0.1; done
if munge -n -S "$M" | unmunge -S "$M" >/dev/null 2>&1; then pass "munged runs on its own socket with a generated key"
else bail "munged did not start"; fi

t0=$SECONDS
slurmctld -D -c >>"$S/log/slurmctld.out" 2>&1 &
pids=($! "${pids[@]}")
slurmd -D -N "$host" >>"$S/log/slurmd.out" 2>&1 &
pids=($! "${pids[@]}")
state=
for ((i = 0; i < 300; i++)); do
  state=$(sinfo -h -o %t 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.1
done
t_up=$((SECONDS - t0))
if [[ $state == idle ]]; then pass "slurmctld + slurmd: node $host idle ($cpus CPUs, ports $port-$((port + 1))) after $t_up s"
else bail "node not idle after 30 s (sinfo: '$state')"; fi

# job_wait ID: polls until the job has ended (60 s x SAMARL_TEST_SLOW at most); sets job_state
# and job_exit from scontrol (no accounting daemon, so no sacct).
job_wait() {
  local id=$1 i info
  job_state='' job_exit=''
  for ((i = 0; i < $(tlimit 600); i++)); do
    info=$(scontrol -o show job "$id" 2>/dev/null || true)
    job_state=$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<<"$info")
    job_exit=$(sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' <<<"$info")
    case $job_state in PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | "") sleep 0.1 ;; *) return 0 ;; esac
  done
  return 1
}
# submit NAME SBATCH-ARGS...: submits, records the id in $jid.
submit() {
  local name=$1; shift
  jid=$(sbatch --parsable -J "$name" -o "$TMP/jobs/%x-%j.out" "$@" 2>"$TMP/sbatch.err") || {
    jid=; diag "sbatch failed: $(cat "$TMP/sbatch.err")"; return 1; }
  jid=${jid%%;*}
  jobids+=("$jid")
}
# completed DESC ID: the job ends COMPLETED with exit 0:0.
completed() {
  if job_wait "$2" && [[ $job_state == COMPLETED && $job_exit == 0:0 ]]; then pass "$1"
  else
    fail "$1"
    echo "#   job $2: state '$job_state', exit '$job_exit'; its output:"
    sed 's/^/#   /' "$TMP"/jobs/*-"$2".out 2>/dev/null | tail -20
    logs
  fi
}
n_ranks() { h5dump -a /n_ranks "$1" 2>/dev/null | sed -n 's/^ *(0): //p'; }
same() { # DESC A.h5 B.h5: /series, /traj and /agents bit for bit
  local bad='' g
  for g in /series /traj /agents; do
    h5diff "$2" "$3" $g $g >/dev/null 2>&1 || bad="$bad $g"
  done
  if [[ -z $bad ]]; then pass "$1"; else fail "$1"; diag "differ in:$bad ($2 against $3)"; fi
}
nowarn() { # DESC FILE: no SLURM_NTASKS warning from samarl
  if [[ -f $2 ]] && ! grep -q 'warning: SLURM_NTASKS' "$2"; then pass "$1"
  else fail "$1"; grep 'warning: SLURM_NTASKS' "$2" 2>/dev/null | sed 's/^/#   /'; fi
}

# ---- one run through samarl.sbatch --------------------------------------------------
cat >"$TMP/small.ini" <<'EOF'
; tests/slurm.t: a small samarl run
[run]
days = 2
[graph]
type = ring
agents = 64
k = 2
[policy]
type = bestresponse
EOF
EXTRA=(--set dual.rounds=3 -q)
export SAMARL=$PWD/$SAMARL_BUILD/samarl
run_np 1 "$SAMARL" run -c "$TMP/small.ini" "${EXTRA[@]}" -o "$TMP/ref.h5" >"$TMP/ref.log" 2>&1 ||
  { diag "the reference run failed:"; sed 's/^/#   /' "$TMP/ref.log"; }

mpi_list=$(srun --mpi=list 2>&1 || true)
if grep -qw pmix <<<"$mpi_list"; then want=srun; else want=mpirun; fi
diag "srun --mpi=list: $(tr -s '\n\t ' ' ' <<<"$mpi_list")-> expect launcher $want"

OUT=$TMP/results
t0=$SECONDS
submit sbatch-auto -n 2 scripts/slurm/samarl.sbatch run "$TMP/small.ini" "$OUT" "${EXTRA[@]}"
auto=$jid
SAMARL_LAUNCHER=mpirun submit sbatch-mpirun -n 2 scripts/slurm/samarl.sbatch run "$TMP/small.ini" "$OUT" "${EXTRA[@]}"
forced=$jid
# The negative control: 2 tasks, 1 MPI rank.
submit wrong -n 2 --wrap "mpirun -np 1 $SAMARL --version"
wrong=$jid

completed "sbatch -n 2 samarl.sbatch run: job $auto COMPLETED, exit 0:0" "$auto"
J=$OUT/run-$auto
ok "the per-job directory run-$auto has run.h5, run.json, job.log, samarl.log" \
  test -f "$J/run.h5" -a -f "$J/run.json" -a -f "$J/job.log" -a -f "$J/samarl.log"
ok "config.ini is a copy of the config" cmp "$TMP/small.ini" "$J/config.ini"
like "job.log: the launcher is $want" "$J/job.log" "^launcher +$want \\("
like "job.log: 2 ranks on 1 node" "$J/job.log" '^tasks +2 ranks' 
like "job.log: the node list" "$J/job.log" "^nodes +1: $host\$"
like "job.log: samarl --version" "$J/job.log" '^version +samarl [0-9]+\.[0-9]+'
like "job.log: exit 0" "$J/job.log" '^exit +0$'
like "the run file format is samarl-run" <(h5dump -a /format "$J/run.h5" 2>&1) '"samarl-run"'
r=$(n_ranks "$J/run.h5")
if [[ $r == 2 ]]; then pass "run.h5 written by 2 ranks (n_ranks = 2)"; else fail "run.h5 n_ranks = '$r', not 2"; fi
like "the extra arguments reached samarl (dual.rounds = 3)" "$J/run.json" 'rounds = 3\\n'
same "2 ranks under SLURM = mpirun -np 1, bit for bit" "$J/run.h5" "$TMP/ref.h5"
nowarn "no SLURM_NTASKS warning in the job's output" "$TMP/jobs/sbatch-auto-$auto.out"
like "the job's output has samarl's summary and where the results are" "$TMP/jobs/sbatch-auto-$auto.out" "results in $J\$"
ok "slurm.out links to the job's output" test "$J/slurm.out" -ef "$TMP/jobs/sbatch-auto-$auto.out"

completed "SAMARL_LAUNCHER=mpirun: job $forced COMPLETED, exit 0:0" "$forced"
J2=$OUT/run-$forced
like "job.log: the launcher is mpirun" "$J2/job.log" '^launcher +mpirun \(SAMARL_LAUNCHER=mpirun\)'
r=$(n_ranks "$J2/run.h5")
if [[ $r == 2 ]]; then pass "mpirun in the allocation: 2 ranks"; else fail "mpirun: n_ranks = '$r', not 2"; fi
same "mpirun in the allocation = mpirun -np 1, bit for bit" "$J2/run.h5" "$TMP/ref.h5"
nowarn "mpirun: no SLURM_NTASKS warning" "$TMP/jobs/sbatch-mpirun-$forced.out"

job_wait "$wrong" || true
t_jobs=$((SECONDS - t0))
like "the check can fail: 1 rank in 2 tasks is flagged" "$TMP/jobs/wrong-$wrong.out" \
  'SLURM_NTASKS = 2 but MPI started 1 rank'

# start_requeued ID OUTPUT: slurmctld holds a requeued job back (BeginTime a
# while ahead) so that the old one can finish tearing down; once it is
# pending, the node idle and no process of the old run (OUTPUT in its
# command line) left, start it now. Not within the second of the requeue:
# slurmd refuses a credential issued in the second it revoked the old one
# ("Job credential revoked", the job then FAILS), so the clock's second
# must have moved on by 2 from when the job was seen pending.
start_requeued() {
  local id=$1 out=$2 i t=''
  for ((i = 0; i < $(tlimit 600); i++)); do
    if [[ $(scontrol -o show job "$id" 2>/dev/null) == *JobState=PENDING* ]]; then
      [[ -n $t ]] || t=$(date +%s)
      [[ $(sinfo -h -o %t 2>/dev/null) == idle ]] && ! pgrep -f "$out" >/dev/null &&
        [[ $(date +%s) -ge $((t + 2)) ]] && break
    fi
    sleep 0.1
  done
  scontrol update JobId="$id" StartTime=now 2>/dev/null || diag "scontrol update StartTime failed"
}

# ---- a requeued job continues from its checkpoint ----------------------------------
cat >"$TMP/long.ini" <<'EOF'
; tests/slurm.t: a run long enough to be requeued halfway
[run]
days = 6
progress_every = 1
checkpoint_every = 5
[graph]
agents = 6000
[policy]
type = bestresponse
[consensus]
sigma_iters = 50
EOF
run_np 2 "$SAMARL" run -q -c "$TMP/long.ini" -o "$TMP/long.h5" >/dev/null 2>&1
submit requeue -n 2 --requeue scripts/slurm/samarl.sbatch run "$TMP/long.ini" "$OUT"
rq=$jid
JR=$OUT/run-$rq
for ((i = 0; i < $(tlimit 600); i++)); do [[ -s $JR/run.h5.ckpt ]] && break; sleep 0.1; done
if [[ -s $JR/run.h5.ckpt ]] && scontrol requeue "$rq" 2>"$TMP/requeue.err"; then
  pass "job $rq wrote a checkpoint and was requeued while running"
  start_requeued "$rq" "$JR/run.h5"
else
  fail "job $rq: no checkpoint to requeue from, or scontrol requeue failed: $(cat "$TMP/requeue.err" 2>/dev/null)"
fi
completed "the requeued job $rq COMPLETED, exit 0:0" "$rq"
like "job.log: the second start restarted from the checkpoint" "$JR/job.log" \
  "^restart +from $JR/run.h5.ckpt \(restart [1-9]"
like "samarl continued from a step after 0" "$JR/samarl.log" 'restarting from .* at step [1-9][0-9]*/144'
same "requeued and restarted = one uninterrupted run, bit for bit" "$JR/run.h5" "$TMP/long.h5"
ok "the finished job removed its checkpoint" test ! -e "$JR/run.h5.ckpt"

# ---- USR1 before the time limit: requeue and restart, twice ------------------------
# sbatch --signal=B:USR1@T sends USR1 to the batch shell T seconds before the
# limit; scancel --signal=USR1 --batch does the same at a moment of our
# choosing (once a new checkpoint exists), so no timing is involved. The job
# runs in three allocations, by --name in one directory, and must equal the
# uninterrupted run of the same config ($TMP/long.h5 above).
ckpt_id() { stat -c '%i %s %Y' "$1" 2>/dev/null || echo none; }
# restart_now ID N: start the requeued job (start_requeued); returns when
# its Nth start is in job.log.
restart_now() {
  local id=$1 n=$2 i
  start_requeued "$id" "$JU/run.h5"
  for ((i = 0; i < $(tlimit 600); i++)); do
    [[ $(grep -c '^started ' "$JU/job.log" 2>/dev/null) -ge $n ]] && return 0
    sleep 0.1
  done
  return 1
}
t0=$SECONDS
submit usr1 -n 2 scripts/slurm/samarl.sbatch --name longrun run "$TMP/long.ini" "$OUT"
u=$jid
JU=$OUT/longrun
ck=none sent=0
for round in 1 2; do
  # a checkpoint written in this allocation (not the one it started from)
  for ((i = 0; i < $(tlimit 600); i++)); do
    c=$(ckpt_id "$JU/run.h5.ckpt")
    [[ $c != none && $c != "$ck" && $(grep -c '^started ' "$JU/job.log" 2>/dev/null) -eq $round ]] && break
    sleep 0.1
  done
  [[ $c != none && $c != "$ck" ]] || { diag "allocation $round: no new checkpoint"; break; }
  scancel --signal=USR1 --batch "$u" 2>"$TMP/scancel.err" || { diag "scancel: $(cat "$TMP/scancel.err")"; break; }
  # the script stops samarl and requeues: wait for its log line, then start it again
  for ((i = 0; i < $(tlimit 600); i++)); do
    [[ $(grep -c '^requeue ' "$JU/job.log" 2>/dev/null) -ge $round ]] && break
    sleep 0.1
  done
  [[ $(grep -c '^requeue ' "$JU/job.log" 2>/dev/null) -ge $round ]] || { diag "allocation $round: no requeue"; break; }
  sent=$round
  ck=$(ckpt_id "$JU/run.h5.ckpt")
  restart_now "$u" $((round + 1)) || { diag "allocation $((round + 1)) did not start"; break; }
done
if [[ $sent == 2 ]]; then pass "USR1 to the batch shell after a checkpoint, twice: job $u requeued itself twice"
else fail "USR1 requeue: only $sent of 2 rounds"; sed 's/^/#   /' "$JU/job.log" 2>/dev/null | tail -20; fi
completed "the job $u finished in its third allocation, COMPLETED, exit 0:0" "$u"
t_usr1=$((SECONDS - t0))
n=$(grep -c '^signal  *USR1 .*stopping samarl and requeueing' "$JU/job.log" 2>/dev/null)
if [[ $n == 2 ]]; then pass "job.log: 2 USR1 signals, each stopping samarl for a requeue"; else fail "job.log: $n USR1 requeue lines, not 2"; fi
like "job.log: the requeue went through scontrol" "$JU/job.log" "^requeue +scontrol requeue $u\$"
like "job.log: the third start restarted from the checkpoint (restart 2)" "$JU/job.log" \
  "^restart +from $JU/run.h5.ckpt \(restart 2 of this job\)"
like "job.log: the last start ended with exit 0" <(grep '^exit' "$JU/job.log" | tail -1) '^exit +0$'
n=$(grep -c '^restarting from .* at step [1-9][0-9]*/144' "$JU/samarl.log" 2>/dev/null)
if [[ $n == 2 ]]; then pass "samarl.log is appended: both restarts in it"; else fail "samarl.log: $n restarts, not 2 (truncated?)"; fi
n=$(grep -c '^started ' "$TMP/jobs/usr1-$u.out" 2>/dev/null)
if [[ $n == 3 ]]; then pass "the job's stdout is appended (--open-mode=append): 3 starts"; else fail "stdout: $n starts, not 3"; fi
same "3 allocations, requeued on USR1 = one uninterrupted run, bit for bit" "$JU/run.h5" "$TMP/long.h5"
ok "the finished job removed its checkpoint" test ! -e "$JU/run.h5.ckpt"
# The same --name again: the output is complete, nothing is rerun.
cp "$JU/run.h5" "$TMP/usr1.h5"
submit usr1again -n 2 scripts/slurm/samarl.sbatch --name longrun run "$TMP/long.ini" "$OUT"
completed "resubmitted with the same --name: job $jid COMPLETED" "$jid"
like "... it found the output complete and did not run samarl" "$JU/job.log" "^job +$jid: .*run.h5 is complete"
ok "... run.h5 untouched" cmp "$JU/run.h5" "$TMP/usr1.h5"

# ---- a job array from a manifest, and its table ---------------------------------------
cat >"$TMP/sweep.csv" <<CSV
id,command,config,args,graph.agents,dual.eta,dual.mode,policy.type
a40,run,$TMP/small.ini,-q,40,,,
a64,run,$TMP/small.ini,-q,64,0.2,,
local,run,$TMP/small.ini,-q,48,,local,
# a comment line, skipped
central,run,-,-q --set run.days=1 --set graph.type=ring --set graph.k=2,32,,central,bestresponse
cons,consensus,-,-q --set graph.type=ring --set graph.k=2,64,,,
ev,eval,-,"--lambda 0,0.1",32,,,bestresponse
CSV
t0=$SECONDS
rc=0
SWEEP_POLL_S=0.3 timeout "$(tlimit 120)" scripts/slurm/array.sh "$TMP/sweep.csv" --sbatch "-n 1" --wait \
  >"$TMP/array.log" 2>&1 || rc=$?
t_array=$((SECONDS - t0))
while read -r k id; do case $k in array | gather) jobids+=("$id") ;; esac; done < <(cat "$TMP/sweep/array.txt" 2>/dev/null)
if [[ $rc -eq 0 ]]; then pass "array.sh: a 6-row manifest as a job array, then the gather job (--wait)"
else fail "array.sh: exit $rc"; sed 's/^/#   /' "$TMP/array.log" | tail -15; logs; fi
like "array.sh: one --array task per row" "$TMP/array.log" '^array.sh: array [0-9]+ \(6 tasks\)'
T=$TMP/sweep-results.csv
# column EXPR: EXPR of each table row x (a dict), space-separated
column() { /usr/bin/python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(*[eval(sys.argv[2]) for x in r])' "$T" "$1" 2>&1; }
r=$(column 'x["id"]')
if [[ $r == "a40 a64 local central cons ev" ]]; then pass "the table beside the manifest has the 6 rows, in order"; else fail "table rows: '$r'"; fi
r=$(column 'x["status"]')
if [[ $r == "ok ok ok ok ok ok" ]]; then pass "every row ok"; else fail "statuses: '$r'"; fi
r=$(column 'x["agents"] or "-"')
if [[ $r == "40 64 48 32 64 -" ]]; then pass "each row ran with its graph.agents (eval: no JSON)"; else fail "agents: '$r'"; fi
r=$(column 'x["graph.agents"] == x["agents"] or x["command"] == "eval"')
if [[ $r == "True True True True True True" ]]; then pass "the manifest's columns sit beside the results"; else fail "manifest columns: '$r'"; fi
r=$(column 'bool(x["avg_slack_ratio"])')
if [[ $r == "True True True True False False" ]]; then pass "the run rows have their results (avg_slack_ratio), the others not"; else fail "avg_slack_ratio present: '$r'"; fi
r=$(column 'bool(x["checksum"])')
if [[ $r == "False False False False True False" ]]; then pass "the consensus row has its results (checksum)"; else fail "checksum present: '$r'"; fi
like "the local row ran dual.mode = local" "$TMP/sweep/local/run.json" 'mode = local'
ok "the eval row wrote ev/eval.csv with 2 multipliers" test "$(wc -l <"$TMP/sweep/ev/eval.csv" 2>/dev/null)" = 3
ok "array.sh gather rewrites the same table" bash -c "cp '$T' '$TMP/t0.csv' && scripts/slurm/array.sh gather '$TMP/sweep.csv' >/dev/null && cmp '$T' '$TMP/t0.csv'"
printf 'id,command\nx,run\nx,train\n' >"$TMP/dup.csv"
rc=0; scripts/slurm/array.sh "$TMP/dup.csv" >"$TMP/bad" 2>&1 || rc=$?
if [[ $rc == 2 ]] && grep -q "id 'x' already on line 2" "$TMP/bad" && [[ ! -e $TMP/dup ]]; then pass "a duplicate id: exit 2, the line named, nothing submitted"
else fail "duplicate id: exit $rc"; sed 's/^/#   /' "$TMP/bad"; fi
printf 'id,command,graph.agent s\nx,run,3\n' >"$TMP/col.csv"
rc=0; scripts/slurm/array.sh "$TMP/col.csv" >"$TMP/bad" 2>&1 || rc=$?
if [[ $rc == 2 ]] && grep -q "column 'graph.agent s' is neither" "$TMP/bad"; then pass "a bad column name: exit 2"
else fail "bad column: exit $rc"; sed 's/^/#   /' "$TMP/bad"; fi

# ---- bad command lines, run directly -------------------------------------------------
bad() { # DESC PATTERN ARGS...: bash samarl.sbatch ARGS exits 2 with PATTERN
  local d=$1 pat=$2; shift 2
  local rc=0
  bash scripts/slurm/samarl.sbatch "$@" >"$TMP/bad" 2>&1 || rc=$?
  if [[ $rc -eq 2 ]] && grep -Eq -- "$pat" "$TMP/bad"; then pass "$d"
  else fail "$d"; echo "#   exit $rc, expected 2 and /$pat/:"; sed 's/^/#   /' "$TMP/bad"; fi
}
bad "a missing config file: clear message, exit 2" "config file '.*/nope.ini' not found" \
  run "$TMP/nope.ini" "$TMP/badout"
ok "... and no output directory made" test ! -e "$TMP/badout"
bad "no arguments: usage, exit 2" 'need COMMAND CONFIG OUTDIR' 
bad "an unknown command" "unknown COMMAND 'fly'" fly "$TMP/small.ini" "$TMP/badout"
bad "-o is refused (the script names the output)" 'do not pass -o' run "$TMP/small.ini" "$TMP/badout" -o x.h5
bad "outside SLURM: says to use sbatch" 'not inside a SLURM job' run "$TMP/small.ini" "$TMP/badout"
bad "--name with a slash is refused" "--name 'a/b'" --name a/b run - "$TMP/badout"
SLURM_JOB_ID=1 SAMARL=$TMP/none bad "a missing samarl binary is named" "samarl binary '$TMP/none' not found" \
  run - "$TMP/badout" || true

# ---- sweeps --------------------------------------------------------------------------
# agents FILE...: graph.n_agents of each run's JSON record.
agents() { /usr/bin/python3 -c 'import json,sys; print(*[json.load(open(f))["graph"]["n_agents"] for f in sys.argv[1:]])' "$@" 2>/dev/null || true; }
# Inside one 2-task allocation: a strong sweep as srun steps (the launcher
# found), then a weak one through mpirun (np 1 in 2 tasks: SLURM_NTASKS must
# be made 1 for the ranks); rank counts 1,2 from SLURM_NTASKS.
SW=$TMP/sweeps
t0=$SECONDS
submit inside -n 2 --wrap "scripts/slurm/sweep.sh strong $TMP/small.ini $SW --inside -- -q &&
  SAMARL_LAUNCHER=mpirun scripts/slurm/sweep.sh weak $TMP/small.ini $SW --inside --per-rank 40 -- -q"
inside=$jid
completed "sweep.sh strong --inside, then weak --inside: job $inside COMPLETED" "$inside"
t_inside=$((SECONDS - t0))
D=$SW/strong-$inside
r1=$(n_ranks "$D/np0001/run.h5") r2=$(n_ranks "$D/np0002/run.h5")
if [[ $r1 == 1 && $r2 == 2 ]]; then pass "strong --inside: steps of 1 and 2 ranks (1,2,...,SLURM_NTASKS)"
else fail "strong --inside: n_ranks '$r1' and '$r2', not 1 and 2"; ls -R "$SW" 2>&1 | sed 's/^/#   /' | head -20; fi
like "strong --inside: the steps ran under srun" "$D/np0001/job.log" "^launcher +$want "
same "strong: the 2-rank step = the 1-rank step, bit for bit" "$D/np0002/run.h5" "$D/np0001/run.h5"
like "the sweep's table has both sizes" "$TMP/jobs/inside-$inside.out" '^\| 2 \| 64 \|'
ok "sweep.csv: a header and 2 rows" test "$(wc -l <"$D/sweep.csv" 2>/dev/null)" = 3
nowarn "strong --inside: no SLURM_NTASKS warning in the 1-rank step" "$D/np0001/stdout"
D=$SW/weak-$inside
a=$(agents "$D"/np0001/run.json "$D"/np0002/run.json)
if [[ $a == "40 80" ]]; then pass "weak --inside: 40 agents per rank (40 on 1, 80 on 2)"; else fail "weak --inside: agents '$a', not '40 80'"; fi
like "weak --inside: the steps ran under mpirun" "$D/np0001/job.log" '^launcher +mpirun '
nowarn "weak --inside, mpirun -np 1 in 2 tasks: no SLURM_NTASKS warning" "$D/np0001/stdout"

# Strong, one job per size, waiting for them.
rc=0
t0=$SECONDS
SWEEP_POLL_S=0.5 timeout "$(tlimit 90)" scripts/slurm/sweep.sh strong "$TMP/small.ini" "$SW" --ranks 1,2 --agents 48 --wait \
  -- -q >"$TMP/submit.log" 2>&1 || rc=$?
t_submit=$((SECONDS - t0))
D=$(sed -n 's/^sweep.sh: results in \([^ ]*\) .*/\1/p' "$TMP/submit.log" | head -1)
while read -r _ _ id; do jobids+=("$id"); done < <(grep -h '^job ' "${D:-/nonexistent}/sweep.txt" 2>/dev/null)
if [[ $rc -eq 0 ]]; then pass "sweep.sh strong --ranks 1,2 --wait: both jobs done"
else fail "sweep.sh strong (jobs): exit $rc"; sed 's/^/#   /' "$TMP/submit.log" | tail -15; logs; fi
a=$(agents "$D"/np0001/run.json "$D"/np0002/run.json)
if [[ $a == "48 48" ]]; then pass "strong: --agents 48 on 1 and on 2 ranks"; else fail "strong: agents '$a', not '48 48'"; fi
r=$(n_ranks "$D/np0002/run.h5")
if [[ $r == 2 ]]; then pass "strong: the 2-rank job ran 2 ranks"; else fail "strong: n_ranks '$r'"; fi
same "strong (jobs): 2 ranks = 1 rank, bit for bit" "$D/np0002/run.h5" "$D/np0001/run.h5"
ok "the sweep says where the results are" test -n "$D" -a -d "$D"
ok "dry run: 1024 ranks on full nodes of 64, no job, no directory" bash -c \
  "scripts/slurm/sweep.sh strong - '$TMP/dry' --ranks 1024 --tasks-per-node 64 --dry-run | grep -q -- '--nodes=16 --ntasks-per-node=64' && test ! -e '$TMP/dry'"
ok "a rank count beyond the allocation is refused" bash -c \
  "SLURM_JOB_ID=1 SLURM_NTASKS=2 scripts/slurm/sweep.sh strong - '$TMP/dry' --inside --ranks 4 --dry-run 2>&1 | grep -q 'more than the allocation'"
diag "times: cluster up ${t_up}s, 3 jobs ${t_jobs}s, USR1 requeues ${t_usr1}s, array of 6 ${t_array}s, sweeps inside one job ${t_inside}s, 2 sweep jobs ${t_submit}s, all $SECONDS s"

done_testing
