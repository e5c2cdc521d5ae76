# Policy network gradients, log-softmax, Adam, environment bookkeeping,
# batched acting. Then all of it again on OpenBLAS's Haswell kernels (what
# AVX2 CPUs without AVX-512 get), whose GEMM gives a column other bits in
# another batch: acting with policy.kernel = blas must not depend on that.
here=$(dirname "$0")
bin="${SAMARL_BUILD:-build}/tests/test_policy"
n=0
# merge PREFIX CMD...: CMD's TAP lines renumbered into this stream.
merge() {
  local prefix=$1
  shift
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -\ (.*)$ ]]; then
      n=$((n + 1))
      echo "${BASH_REMATCH[1]} $n - $prefix${BASH_REMATCH[2]}"
    elif [[ ! $line =~ ^1\.\.[0-9]+$ ]]; then
      echo "$line"
    fi
  done < <("$@")
}
merge "" "$here/tap-mpi" "$bin" 1
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  merge "[OpenBLAS Haswell kernels] " env OPENBLAS_CORETYPE=Haswell "$here/tap-mpi" "$bin" 1
else
  n=$((n + 1))
  echo "ok $n # skip no AVX2 on this CPU for OpenBLAS's Haswell kernels"
fi
echo "1..$n"
