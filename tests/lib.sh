# TAP helpers for shell tests: source from a .t file run from the repo root.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/env.sh"
SAMARL=$SAMARL_BUILD/samarl
PARTITION=$SAMARL_BUILD/samarl-partition
TMP=$(mktemp -d "${TMPDIR:-/tmp}/samarl-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
_t=0 _failed=0

pass() { _t=$((_t + 1)); echo "ok $_t - $*"; }
fail() { _t=$((_t + 1)); _failed=$((_failed + 1)); echo "not ok $_t - $*"; }
diag() { echo "# $*"; }
# why < FILE: a failed check's evidence, on stderr as well as in the TAP
# stream (prove shows stderr, so a CI log carries the cause, not just the
# check's name).
why() { local l; while IFS= read -r l; do echo "#   $l"; echo "#   $l" >&2; done; }
# relay [PREFIX] < FILE: a helper script's "PASS desc" / "FAIL desc: why"
# lines as checks (PREFIX: before each description), other lines as
# diagnostics; its closing "DONE" is the caller's to check.
relay() {
  local line p=${1:+$1: }
  while IFS= read -r line; do
    case $line in
    PASS\ *) pass "$p${line#PASS }" ;;
    FAIL\ *) fail "$p${line#FAIL }" ;;
    DONE) ;;
    *) diag "$line" ;;
    esac
  done
}
# ok DESC COMMAND...: passes when the command exits 0.
ok() { local d=$1; shift; if "$@" >"$TMP/out" 2>&1; then pass "$d"; else fail "$d"; tail -20 "$TMP/out" | why; fi; }
# run_np NP ARGS...: samarl under mpirun with NP ranks.
run_np() { local np=$1; shift; $MPIRUN -np "$np" "$@"; }
# Every rank's exit status: runs ARGS under NP ranks, each rank in a wrapper
# that prints "rank R exit S"; the output is kept in $TMP/out.
run_ranks() {
  local np=$1; shift
  $MPIRUN -np "$np" bash -c '"$@"; echo "rank ${OMPI_COMM_WORLD_RANK:-0} exit $?"' _ "$@" >"$TMP/out" 2>&1
}
# expect_error DESC NP PATTERN ARGS...: the command must fail on every one of
# NP ranks with a non-zero status, and its output must match PATTERN (ERE).
expect_error() {
  local d=$1 np=$2 pat=$3; shift 3
  run_ranks "$np" "$@"
  local bad=0 r
  for ((r = 0; r < np; r++)); do
    grep -Eq "^rank $r exit [1-9]" "$TMP/out" || bad=1
  done
  if [[ $bad -eq 0 ]] && grep -Eq -- "$pat" "$TMP/out"; then
    pass "$d"
  else
    fail "$d"
    { echo "expected every rank to fail with /$pat/, got:"; tail -15 "$TMP/out"; } | why
  fi
}
# ranks_checksum BIN NAME WHAT: BIN's checks pass on 1-4 ranks (outputs in
# $TMP/a.NP), and the line '# NAME checksum: X' it prints is the same on
# every rank count (WHAT names what the checksum covers).
ranks_checksum() {
  local bin=$1 name=$2 what=$3 np c c1
  for np in 1 2 3 4; do
    if run_np $np "$bin" >"$TMP/a.$np" 2>&1 && ! grep -q '^not ok' "$TMP/a.$np"; then
      pass "$(basename "$bin") on $np rank(s): all checks pass"
    else
      fail "$(basename "$bin") on $np rank(s)"
      grep -E '^not ok|error' "$TMP/a.$np" | head -5 | sed 's/^/#   /'
    fi
  done
  c1=$(sed -n "s/^# $name checksum: //p" "$TMP/a.1")
  for np in 2 3 4; do
    c=$(sed -n "s/^# $name checksum: //p" "$TMP/a.$np")
    if [[ -n $c1 && $c == "$c1" ]]; then pass "$what on $np ranks = 1 rank's, bit for bit ($c)"
    else fail "$what on $np ranks ('$c') differs from 1 rank's ('$c1')"; fi
  done
}
# like DESC FILE PATTERN: FILE matches the ERE.
like() { if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; { echo "/$3/ not in $2:"; tail -10 "$2"; } | why; fi; }
done_testing() { echo "1..$_t"; [[ $_failed -eq 0 ]]; }
have_shared() { [[ -d $SAMARL_SHARED/data/grids ]]; }
