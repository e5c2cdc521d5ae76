# samarl across two "machines" on this one: two network namespaces joined by
# a veth pair, each with its own address and hostname, Open MPI's daemon
# started in the second by an rsh agent (tests/netns-rsh) and the ranks
# talking over TCP across the veth. samarl run (1 and 2 ranks per "node")
# and samarl train (shared network: gradients summed across nodes) must give
# the single-node run's datasets bit for bit, and the bytes counted on the
# veth show the traffic really crossed it. Needs root (CAP_SYS_ADMIN and
# CAP_NET_ADMIN) and Open MPI; skipped otherwise. See docs/netns.md.
source "$(dirname "$0")/lib.sh"
RSH=$here/netns-rsh

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[[ $(id -u) -eq 0 ]] || skip_all "needs root to create network namespaces"
for c in ip unshare timeout; do
  command -v $c >/dev/null || skip_all "no '$c' command (iproute2, util-linux)"
done
$MPIRUN --version 2>/dev/null | grep -q 'Open MPI' || skip_all "needs Open MPI's mpirun (plm_rsh_agent)"

# Names unique to this run; the subnet only has to be unique within the pair
# of namespaces, but it varies anyway for readability in parallel runs.
A=samarl-a$$ B=samarl-b$$ VA=sa$$ VB=sb$$
NET=10.213.$(($$ % 200 + 20))
IPA=$NET.1 IPB=$NET.2

cleanup() {
  local ns pids
  for ns in "$A" "$B"; do
    # Daemons or ranks left behind by a failed or timed-out run: only the
    # processes inside our own namespaces.
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [[ -n $pids ]] && kill -9 $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  [[ -n ${KEEP:-} ]] && echo "# kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if ! err=$(ip netns add "$A" 2>&1); then
  skip_all "cannot create network namespaces: ${err//$'\n'/ }"
fi
setup() {
  ip netns add "$B" &&
  ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B" || return 1
  local ns
  for ns in "$A" "$B"; do
    # No IPv6 on the link: no link-local addresses for Open MPI to choose
    # between, and no neighbour-discovery chatter in the byte counts.
    ip netns exec "$ns" sh -c 'for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do echo 1 >"$f"; done' 2>/dev/null
    ip -n "$ns" link set lo up || return 1
  done
  ip -n "$A" addr add "$IPA/24" dev "$VA" && ip -n "$B" addr add "$IPB/24" dev "$VB" &&
  ip -n "$A" link set "$VA" up && ip -n "$B" link set "$VB" up &&
  # Some containers can make namespaces but not enter them (ip netns exec
  # remounts /sys) or not give them a hostname.
  ip netns exec "$B" unshare --uts sh -c 'hostname netns-probe'
}
if ! setup >"$TMP/setup" 2>&1; then
  skip_all "cannot set up the namespaces: $(tr '\n' ' ' <"$TMP/setup")"
fi

SAMARL=$(cd "$SAMARL_BUILD" && pwd)/samarl
export TMPDIR=$TMP   # Open MPI's session directories go with the test's files
# mpirun in namespace A with A's own hostname; the daemon for B comes from
# netns-rsh, which passes on only the variables named in NETNS_RSH_ENV (with
# the sanitizers' settings, for make asan).
# --bind-to none: both "nodes" see the same two cores, so Open MPI would bind
# rank 0 of each to core 0 and they would take turns on one core.
# mpi_yield_when_idle: neither node thinks it is oversubscribed, but the
# machine is (2 or 4 ranks, 2 daemons, other jobs on 2 cores).
# --timeout: a hang ends with Open MPI's report of every rank's state (and
# the daemons are taken down cleanly); the outer timeout is the last resort.
NMPI=(timeout -k 5 "$(tlimit 120)" ip netns exec "$A" unshare --uts
      sh -c 'hostname "$0" && exec "$@"' "netns-$A"
      env NETNS_RSH_NAMESPACES="$A $B"
      NETNS_RSH_ENV="TMPDIR OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS"
      $MPIRUN --mca plm_rsh_agent "$RSH" --mca plm_rsh_no_tree_spawn 1
      --mca pml ob1 --mca btl_tcp_if_include "$NET.0/24" --mca oob_tcp_if_include "$NET.0/24"
      --bind-to none --mca mpi_yield_when_idle 1 -x OPENBLAS_NUM_THREADS
      --timeout "$(tlimit 100)" --report-state-on-timeout)
TWO=(--host "$IPA:1,$IPB:1" -np 2 --mca btl tcp,self)
FOUR=(--host "$IPA:2,$IPB:2" -np 4 --mca btl vader,tcp,self)
# Bytes through A's end of the veth, both directions.
veth_bytes() {
  ip netns exec "$A" cat /sys/class/net/$VA/statistics/rx_bytes /sys/class/net/$VA/statistics/tx_bytes |
    awk '{ s += $1 } END { print s + 0 }'
}
# netrun NAME ARGS...: mpirun ARGS across the namespaces, output in
# $TMP/NAME.log, bytes over the veth in $TMP/NAME.bytes.
netrun() {
  local name=$1 b0 t0 st; shift
  b0=$(veth_bytes) t0=$(date +%s%N)
  "${NMPI[@]}" "$@" >"$TMP/$name.log" 2>&1
  st=$?
  echo $(($(veth_bytes) - b0)) >"$TMP/$name.bytes"
  diag "$name: exit $st after $((($(date +%s%N) - t0) / 1000000)) ms, $(cat "$TMP/$name.bytes") bytes over the veth"
  [[ $st -eq 0 ]] || sed 's/^/#   /' "$TMP/$name.log" | tail -30
  return $st
}
same() { h5diff "$1" "$2" "$3" "$3"; }
# identical DESC REF FILE DATASET...: every dataset bit-identical (no tolerance).
identical() {
  local d=$1 a=$2 b=$3 bad='' g; shift 3
  [[ -f $b ]] || bad=" (no $b)"
  for g in "$@"; do same "$a" "$b" "$g" >/dev/null 2>&1 || bad="$bad $g"; done
  if [[ -z $bad ]]; then pass "$d"; else fail "$d: differ in$bad"; fi
}
# crossed DESC NAME MIN: at least MIN bytes went over the veth during NAME.
crossed() {
  local n; n=$(cat "$TMP/$2.bytes")
  if [[ $n -ge $3 ]]; then pass "$1 ($n bytes >= $3)"; else fail "$1: only $n bytes over the veth (< $3)"; fi
}

# ---- the rsh agent ---------------------------------------------------------------
nsA=$(ip netns exec "$A" readlink /proc/self/ns/net)
nsB=$(ip netns exec "$B" readlink /proc/self/ns/net)
NETNS_RSH_NAMESPACES="$A $B" "$RSH" "$IPB" 'readlink /proc/self/ns/net; hostname' >"$TMP/rsh" 2>&1
ok "netns-rsh runs the command in the namespace that owns the address, with its hostname" \
  diff "$TMP/rsh" <(printf '%s\n' "$nsB" "netns-$B")
ok "netns-rsh skips ssh options and joins the words as ssh does" bash -c \
  "[[ \$(NETNS_RSH_NAMESPACES='$A $B' '$RSH' -x -o BatchMode=yes -l root $IPA echo 'a  b' '\"c  d\"') == 'a b c  d' ]]"
ok "netns-rsh passes on only the variables it is told to" bash -c \
  "[[ \$(FOO=1 NETNS_RSH_NAMESPACES='$A $B' '$RSH' $IPB 'echo \${FOO-unset}') == unset &&
     \$(FOO=1 NETNS_RSH_ENV=FOO NETNS_RSH_NAMESPACES='$A $B' '$RSH' $IPB 'echo \$FOO') == 1 ]]"
NETNS_RSH_NAMESPACES="$A $B" "$RSH" "$NET.9" true >"$TMP/rsh9" 2>&1
st=$?
ok "an address no namespace has: status 255 and a message, as ssh" bash -c \
  "[[ $st -eq 255 ]] && grep -q 'no network namespace has address' '$TMP/rsh9'"

# ---- where the ranks run -----------------------------------------------------------
netrun where "${FOUR[@]}" bash -c 'echo "rank $OMPI_COMM_WORLD_RANK $(hostname) $(readlink /proc/self/ns/net)"'
ok "4 ranks: 0 and 1 in namespace A, 2 and 3 in B, each with its node's hostname" \
  diff <(sort "$TMP/where.log") <(printf 'rank %s\n' "0 netns-$A $nsA" "1 netns-$A $nsA" "2 netns-$B $nsB" "3 netns-$B $nsB")

# ---- samarl run: 2 nodes x 1 rank (TCP only), 2 nodes x 2 ranks (shm + TCP) -----
# Few synchronisations (48 steps, no power iteration for sigma): on an
# oversubscribed machine each one can cost a scheduler time slice.
RUN=(run -q --set policy.type=bestresponse --set graph.agents=200 --set graph.type=rgg
     --set graph.degree=12 --set run.days=2 --set consensus.sigma_iters=0 --set dual.mode=consensus)
RUNSETS=(/series /traj /agents /graph/degree)
timeout -k 5 "$(tlimit 120)" $MPIRUN -np 1 "$SAMARL" "${RUN[@]}" -o "$TMP/ref.h5" >"$TMP/ref.log" 2>&1 || diag "1-rank reference run failed"
netrun run2 "${TWO[@]}" "$SAMARL" "${RUN[@]}" -o "$TMP/run2.h5"
identical "run, 2 nodes x 1 rank over TCP: ${RUNSETS[*]} = 1 rank, bit for bit" \
  "$TMP/ref.h5" "$TMP/run2.h5" "${RUNSETS[@]}"
like "the file records 2 ranks" <(h5dump -a /n_ranks "$TMP/run2.h5" 2>&1) '\(0\): 2$'
# 48 steps x 5 consensus rounds = 240 halo exchanges, plus the reductions:
# each is at least one TCP segment each way (>= 66 bytes with headers), so
# more than 30 kB must cross.
MIN=30000
crossed "run, 2 nodes: the traffic went over the veth" run2 $MIN
netrun local2 --host "$IPA:2" -np 2 --mca btl tcp,self "$SAMARL" "${RUN[@]}" -o "$TMP/local2.h5"
ok "the same job with both ranks in namespace A moves < $MIN bytes over the veth (the check can fail)" \
  test "$(cat "$TMP/local2.bytes")" -lt $MIN
identical "... and gives the same datasets" "$TMP/ref.h5" "$TMP/local2.h5" "${RUNSETS[@]}"

netrun run4 "${FOUR[@]}" "$SAMARL" "${RUN[@]}" -o "$TMP/run4.h5"
identical "run, 2 nodes x 2 ranks (vader within, TCP between): = 1 rank, bit for bit" \
  "$TMP/ref.h5" "$TMP/run4.h5" "${RUNSETS[@]}"
crossed "run, 2 nodes x 2 ranks: the traffic went over the veth" run4 $MIN
ok "the comparison can fail: tracking differs from consensus" bash -c \
  "timeout -k 5 $(tlimit 120) $MPIRUN -np 1 '$SAMARL' ${RUN[*]} --set dual.mode=tracking -o '$TMP/trk.h5' >/dev/null 2>&1 &&
   h5diff -q '$TMP/ref.h5' '$TMP/trk.h5' /traj/lambda /traj/lambda >/dev/null 2>&1; [[ \$? -eq 1 ]]"

# ---- samarl train: one shared network, exact gradient sums across the nodes --------
TRAIN=(train -q --set graph.agents=6 --set graph.type=ring --set graph.k=1 --set env.horizon=24
       --set train.copies=4 --set train.minibatches=2 --set train.epochs=2 --set train.eval_every=2
       --set train.eval_copies=2 --set policy.hidden=8 --set policy.sharing=shared --set train.iterations=3)
TRAINSETS=(/params /adam_m /adam_v /obs_mean /obs_scale /train/aug_reward /train/eval_return)
timeout -k 5 "$(tlimit 120)" $MPIRUN -np 1 "$SAMARL" "${TRAIN[@]}" -o "$TMP/tref.h5" >"$TMP/tref.log" 2>&1 || diag "1-rank reference training failed"
netrun train2 "${TWO[@]}" "$SAMARL" "${TRAIN[@]}" -o "$TMP/train2.h5"
identical "train (shared), 2 nodes over TCP: policy.h5 = 1 rank, bit for bit" \
  "$TMP/tref.h5" "$TMP/train2.h5" "${TRAINSETS[@]}"
# 3 iterations x 2 epochs x 2 minibatches = 12 exact sums of the 191
# parameters' gradients (8 bytes or more each), both ways: > 36 kB.
crossed "train, 2 nodes: the gradient sums went over the veth" train2 $MIN

ok "no daemon or rank left in the namespaces" bash -c \
  "[[ -z \$(ip netns pids $A) && -z \$(ip netns pids $B) ]]"
ok "no Open MPI session directory left" bash -c "! ls -d '$TMP'/ompi.* 2>/dev/null | grep -q ."
done_testing
