#!/usr/bin/env bash
# Build Errand for macOS: dist/Errand.app in dist/errand-<version>-macos-<arch>.dmg.
#
#   bash packaging/build-macos.sh
#
# Signing is optional and driven by the environment (docs/installers.md has the steps):
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)"; without it the app is
#                         signed ad hoc (runs on the build Mac; Gatekeeper refuses it elsewhere)
#   MACOS_NOTARY_PROFILE  a keychain profile made with `xcrun notarytool store-credentials`;
#                         with it (and an identity) the .dmg is notarised and stapled
# The hardened runtime needs com.apple.security.cs.allow-jit for wasmtime (macos/entitlements.plist).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
version=$("$python" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
arch=$(uname -m)
entitlements="$root/packaging/macos/entitlements.plist"
stage="$root/build/errand-pkg"

"$python" packaging/build_component.py "$stage/guest.cwasm" >/dev/null
"$python" packaging/render_icon.py "$stage/errand.png" 1024 >/dev/null
LITELLM_LOCAL_MODEL_COST_MAP=True "$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath build/pyinstaller-dist --workpath build/pyinstaller packaging/errand.spec
app="build/pyinstaller-dist/Errand.app"
"$app/Contents/MacOS/Errand" --version

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  # Inside out: every library and the executable, with the hardened runtime and a timestamp.
  find "$app/Contents" -type f \( -name "*.so" -o -name "*.dylib" -o -perm -u+x \) -print0 |
    xargs -0 codesign --force --options runtime --timestamp --entitlements "$entitlements" \
      --sign "$MACOS_SIGN_IDENTITY"
  codesign --force --options runtime --timestamp --entitlements "$entitlements" \
    --sign "$MACOS_SIGN_IDENTITY" "$app"
else
  codesign --force --deep --entitlements "$entitlements" --sign - "$app"
fi
codesign --verify --deep --strict "$app"

mkdir -p dist
dmg="dist/errand-$version-macos-$arch.dmg"
dmg_root=build/dmg-root
rm -rf "$dmg_root" "$dmg"
mkdir -p "$dmg_root"
cp -R "$app" "$dmg_root/"
ln -s /Applications "$dmg_root/Applications"
hdiutil create -volname "Errand $version" -srcfolder "$dmg_root" -fs HFS+ -format UDZO -ov "$dmg"
rm -rf "$dmg_root"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
  if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose "$dmg"
  fi
fi
echo "$dmg"
