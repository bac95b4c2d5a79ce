#!/usr/bin/env bash
# Make this checkout ready to run: system libraries Qt needs, a venv in .venv,
# and the project installed into it (with its test extras when given --test).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Qt (offscreen and a real window under Xvfb), exiftool as an independent EXIF
# oracle in tests, dbus + gnome-keyring for a real Secret Service keyring.
apt_runtime="libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3"
apt_test="xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libimage-exiftool-perl \
dbus dbus-x11 gnome-keyring"
want_apt="$apt_runtime"
[ $want_test = 1 ] && want_apt="$apt_runtime $apt_test"

if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $want_apt; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" != 0 ] && sudo="sudo"
    echo "Installing system packages:$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi

# Reinstall only when pyproject.toml changed since the last install.
extra=""
[ $want_test = 1 ] && extra="[test]"
stamp=".venv/.errand-installed"
[ $want_test = 1 ] && stamp="$stamp-test"
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  .venv/bin/pip install -q -e ".$extra"
  echo "$digest" > "$stamp"
fi
