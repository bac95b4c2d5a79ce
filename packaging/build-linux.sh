#!/usr/bin/env bash
# Build Errand for Linux: a PyInstaller onedir bundle with the sandbox component compiled
# ahead of time, then dist/errand_<version>_amd64.deb and dist/errand-<version>-linux-x86_64.tar.gz.
#
#   bash packaging/build-linux.sh          # sets up .venv first (scripts/setup.sh --test), then builds
#   PYTHON=/path/to/python bash packaging/build-linux.sh   # a Python that has the test extras already
#
# ERRAND_DIST (default dist/) and ERRAND_WORK (default build/) move the outputs and the
# PyInstaller work folder (the tests build into a temporary folder). The compiled component
# is cached in build/component/ either way, so only the first build pays for it; the guest
# component before compiling is reused from ERRAND_CACHE (the app's cache) when it holds it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# PyInstaller comes with the test extras; a fresh checkout gets them here (quick when already set up).
[ -n "${PYTHON:-}" ] || bash scripts/setup.sh --test
python=${PYTHON:-$root/.venv/bin/python}
dist=$(realpath -m "${ERRAND_DIST:-dist}")
work=$(realpath -m "${ERRAND_WORK:-build}")
version=$("$python" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
arch=amd64
[ "$(uname -m)" = x86_64 ] || { echo "build-linux.sh builds x86-64 packages only" >&2; exit 2; }
started=$(date +%s)
say() { echo "[$(( $(date +%s) - started ))s] $*" >&2; }

stage="$work/errand-pkg"  # read by packaging/errand.spec
export ERRAND_STAGE="$stage"
say "sandbox component (compiled ahead of time, cached in build/component/)"
"$python" packaging/build_component.py "$stage/guest.cwasm" >/dev/null
"$python" packaging/render_icon.py "$stage/errand.png" 512 >/dev/null

say "PyInstaller (onedir)"
LITELLM_LOCAL_MODEL_COST_MAP=True "$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$work/pyinstaller-dist" --workpath "$work/pyinstaller" packaging/errand.spec
app="$work/pyinstaller-dist/errand"
"$app/errand" --version >/dev/null  # the bundle starts at all

say ".deb (dpkg-deb, zstd)"
deb_root="$work/deb-root"
rm -rf "$deb_root"
mkdir -p "$deb_root/DEBIAN" "$deb_root/opt" "$deb_root/usr/bin" "$deb_root/usr/share/applications" \
  "$deb_root/usr/share/icons/hicolor/scalable/apps" "$deb_root/usr/share/icons/hicolor/512x512/apps"
cp -a "$app" "$deb_root/opt/errand"
ln -s /opt/errand/errand "$deb_root/usr/bin/errand"
install -m 644 packaging/linux/errand.desktop "$deb_root/usr/share/applications/errand.desktop"
install -m 644 resources/icons/app.svg "$deb_root/usr/share/icons/hicolor/scalable/apps/errand.svg"
install -m 644 "$stage/errand.png" "$deb_root/usr/share/icons/hicolor/512x512/apps/errand.png"
installed_kb=$(du -sk --exclude=DEBIAN "$deb_root" | cut -f1)
# Qt's xcb platform plugin needs these for a window; the command line needs none of them.
# glibc 2.34 is the floor of the PySide6 wheels (Ubuntu 22.04, Debian 12), which also read zstd packages.
cat > "$deb_root/DEBIAN/control" <<CONTROL
Package: errand
Version: $version
Architecture: $arch
Maintainer: Errand <errand@example.org>
Installed-Size: $installed_kb
Depends: libc6 (>= 2.34), libgl1, libegl1, libfontconfig1, libxkbcommon0, libglib2.0-0, libdbus-1-3
Recommends: libxcb-cursor0, libxkbcommon-x11-0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1,
 libxcb-render-util0, libxcb-shape0, libxcb-xkb1
Section: utils
Priority: optional
Homepage: https://github.com/errand-app/errand
Description: desktop automation assistant for people who do not program
 Errand turns a chore described in plain words ("sort my downloads by type",
 "rename these photos by date and place") into a short script, shows what it
 will change, runs it in a WebAssembly sandbox that can touch only the folders
 you grant, and can undo every run. Works offline with built-in recipes.
CONTROL
mkdir -p "$dist"
deb="$dist/errand_${version}_${arch}.deb"
dpkg-deb -Zzstd --root-owner-group --build "$deb_root" "$deb" >/dev/null

say ".tar.gz"
tar_root="$work/tar-root/errand-$version"
rm -rf "$work/tar-root"
mkdir -p "$tar_root/share/applications" "$tar_root/share/icons/hicolor/scalable/apps"
cp -a "$app/." "$tar_root/"
install -m 644 packaging/linux/errand.desktop "$tar_root/share/applications/errand.desktop"
install -m 644 resources/icons/app.svg "$tar_root/share/icons/hicolor/scalable/apps/errand.svg"
tarball="$dist/errand-$version-linux-x86_64.tar.gz"
if command -v pigz >/dev/null 2>&1; then
  tar -C "$work/tar-root" -cf - "errand-$version" | pigz -6 > "$tarball"
else
  tar -C "$work/tar-root" -czf "$tarball" "errand-$version"
fi
rm -rf "$work/tar-root"

say "done"
ls -l "$deb" "$tarball" >&2
echo "$deb"
echo "$tarball"
