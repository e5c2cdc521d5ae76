# ALTERNATING-MARL's tabular algorithm (src/train/altmarl.c, seed 002) on
# the public code's robots task: its tables, the count vectors' order and
# rounding, and trained at k = 1, 5 and 20 with 1000 local agents split
# across 1-4 ranks, the public protocol's return within the public
# figure's error bar at each k, the same bits on every rank count, 160
# bytes reduced per step; bad k refused (tests/test_altmarl.c).
source "$(dirname "$0")/lib.sh"
for np in 1 2 3 4; do
  if run_np $np "$SAMARL_BUILD/tests/test_altmarl" >"$TMP/a.$np" 2>&1 && ! grep -q '^not ok' "$TMP/a.$np"; then
    pass "test_altmarl on $np rank(s): all checks pass"
  else
    fail "test_altmarl on $np rank(s)"
    grep -E '^not ok|error' "$TMP/a.$np" | head -5 | sed 's/^/#   /'
  fi
done
grep -E '^ok .*(k = [0-9]+, n|rounding|order)' "$TMP/a.1" | sed 's/^/#   /'
c1=$(sed -n 's/^# altmarl checksum: //p' "$TMP/a.1")
for np in 2 3 4; do
  c=$(sed -n 's/^# altmarl checksum: //p' "$TMP/a.$np")
  if [[ -n $c1 && $c == "$c1" ]]; then pass "the returns on $np ranks = 1 rank's, bit for bit ($c)"
  else fail "the returns on $np ranks ('$c') differ from 1 rank's ('$c1')"; fi
done
done_testing
