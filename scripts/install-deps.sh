#!/usr/bin/env bash
# Install samarl's build and test dependencies, only those that are missing.
#
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --check    report what is missing, install nothing
#
# Idempotent: when everything is present it returns at once without touching
# apt. On a machine without apt (a cluster with environment modules) it lists
# what is missing and how to point the build at it (config.local.mk).
set -euo pipefail

check_only=0
[[ "${1:-}" == "--check" ]] && check_only=1

# Debian packages: build (compilers, MPI, METIS, parallel HDF5, OpenBLAS,
# libinih), test harness (prove, h5diff, clang-format) and plotting (python3
# h5py/matplotlib, xarray/h5netcdf for the Python package).
packages=(
  build-essential pkg-config
  libopenmpi-dev openmpi-bin
  libmetis-dev
  libhdf5-openmpi-dev hdf5-tools
  libopenblas-dev
  libinih-dev
  perl
  clang-format  # make format-check, part of make test
  python3-h5py python3-matplotlib python3-numpy
  python3-xarray python3-h5netcdf  # the samarl Python package (python/)
  python3-cffi  # samarl.env: the step API over build/libsamarl.so
  iproute2  # tests/netns.t: two network namespaces as two nodes
  slurm-wlm munge  # tests/slurm.t brings up a one-node SLURM cluster
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
else
  # Not Debian: check for the tools and headers themselves.
  command -v mpicc >/dev/null || missing+=("MPI compiler wrapper (mpicc)")
  command -v mpirun >/dev/null || missing+=("mpirun")
  command -v h5diff >/dev/null || missing+=("HDF5 tools (h5diff)")
  command -v prove >/dev/null || missing+=("perl prove")
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "samarl: missing: ${missing[*]}" >&2
    echo "samarl: load the modules for MPI, parallel HDF5, METIS, OpenBLAS and libinih," >&2
    echo "        then set their flags in config.local.mk (see config.local.mk.example)." >&2
    exit 1
  fi
  exit 0
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $check_only -eq 1 ]]; then
  echo "missing: ${missing[*]}"
  exit 1
fi

echo "samarl: installing missing packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "samarl: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when they are absent or a first install fails.
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
