# shellcheck shell=bash
# Shared helpers for strata's tools/ scripts. Sourced, never executed:
# callers set `set -euo pipefail` themselves.

# Repo root, derived from this file's location so scripts work from any cwd
# (quickstart deliberately runs the CLI in the caller's directory).
strata_root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"

# Everything needed to configure, build and unit-test strata.
# shellcheck disable=SC2034  # used by the scripts that source this file
STRATA_BUILD_PACKAGES=(
  cmake make g++
  libsoci-dev libsqlite3-dev libpq-dev
  libboost-program-options-dev libboost-test-dev
  libssl-dev nlohmann-json3-dev
  ccache
)

strata_log() { printf '%s\n' "$*" >&2; }
strata_die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# apt-get update is slow and needs the network: do it at most once per process,
# and only when something is actually missing.
_strata_apt_updated=0

# ensure_packages PKG...  Install the Debian packages that are not installed.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    # `dpkg -s` also succeeds for removed-but-not-purged packages, so require
    # the "install ok installed" status as well.
    if ! dpkg -s "$pkg" 2>/dev/null | grep -qx 'Status: install ok installed'; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]})) || return 0

  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      strata_die "missing packages: ${missing[*]}; run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi

  strata_log "strata: installing missing packages: ${missing[*]}"
  if ((!_strata_apt_updated)); then
    "${sudo[@]}" apt-get update || return
    _strata_apt_updated=1
  fi
  # sudo accepts VAR=value arguments; apt-get must not prompt (CI has no stdin).
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" || return
}

# strata_build_dir  Print the absolute build directory.
strata_build_dir() {
  local dir="${STRATA_BUILD_DIR:-$strata_root/build}"
  # Absolute, because callers (quickstart) run things from other directories.
  [[ "$dir" == /* ]] || dir="$PWD/$dir"
  printf '%s\n' "$dir"
}

# strata_build [extra cmake args...]  Configure and build incrementally.
strata_build() {
  local dir
  dir="$(strata_build_dir)"
  local args=(-S "$strata_root" -B "$dir"
    "-DCMAKE_BUILD_TYPE=${STRATA_BUILD_TYPE:-RelWithDebInfo}")
  if command -v ccache >/dev/null 2>&1; then
    # Rebuilds after a wiped build dir or branch switch become cache hits.
    # (No CCACHE_BASEDIR: it turns __FILE__ into ../../ paths in test output.)
    args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  # Never wipe $dir: re-running cmake on an existing tree is incremental.
  # Explicit returns: callers may run us under `||`, where set -e is off.
  cmake "${args[@]}" "$@" || return
  # STRATA_BUILD_TARGETS="strata": build only those (quickstart needs no test binaries).
  local targets=()
  # shellcheck disable=SC2206  # word splitting of a target list is intended
  [[ -z "${STRATA_BUILD_TARGETS:-}" ]] || targets=(--target ${STRATA_BUILD_TARGETS})
  cmake --build "$dir" -j2 "${targets[@]}" || return
}
