#!/usr/bin/env bash
# Make this checkout ready to run: system libraries Qt needs, a venv in .venv, the
# project installed into it (with its test extras when given --test), and the sandbox
# component built and compiled for this computer, so the first chore does not wait for it.
# Safe to run again: it only does what is missing, and says nothing when nothing is.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Qt (offscreen and a real window under Xvfb), exiftool as an independent EXIF oracle in
# tests, dbus + gnome-keyring for a real Secret Service keyring, shellcheck for these scripts.
apt_runtime=(libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3)
apt_test=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libimage-exiftool-perl dbus dbus-x11 gnome-keyring shellcheck)
want_apt=("${apt_runtime[@]}")
[ $want_test = 1 ] && want_apt+=("${apt_test[@]}")
# A C compiler for the loop of large renames (capabilities/folders/_renames.c); without one the
# install still works and the Python path does those renames.
command -v cc >/dev/null 2>&1 || want_apt+=(gcc libc6-dev)

if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${want_apt[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=()
    [ "$(id -u)" != 0 ] && sudo=(sudo)
    echo "Installing system packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating a virtual environment in .venv"
  "$python" -m venv .venv
fi

# One stamp: the digest of pyproject.toml (and of the C it compiles) and the extras installed with it. The test
# install includes the plain one, so after `scripts/test.sh` this installs nothing, and a
# plain run after a test install keeps the test extras when pyproject.toml changes.
stamp=.venv/.errand-installed
digest=$(cat pyproject.toml capabilities/folders/_renames.c | sha256sum | cut -d' ' -f1)
have_digest="" have_extras=""
if [ -f "$stamp" ]; then read -r have_digest have_extras < "$stamp" || true; fi
extras=plain
{ [ $want_test = 1 ] || [ "$have_extras" = test ]; } && extras="test"
if [ "$have_digest" != "$digest" ] || [ "$have_extras" != "$extras" ]; then
  target="."
  [ $extras = test ] && target=".[test]"
  echo "Installing Errand and its dependencies into .venv (pip)"
  # -qq and no Python warnings: setuptools' notes on editable installs are for packagers, not here.
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install -qq --disable-pip-version-check -e "$target"
  echo "$digest $extras" > "$stamp"
fi

# Building and compiling the sandbox is the slow part of a first start (once per version):
# do it now, with its progress shown, not during the first chore. Instant once it is built.
.venv/bin/errand prepare
