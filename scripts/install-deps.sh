#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, run and test the app.
# Usage: scripts/install-deps.sh build|test|windows|windows-build
# As root it uses apt-get; otherwise it prints the exact command to run.
set -euo pipefail

build_pkgs=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev)
test_pkgs=(xvfb xauth xdotool imagemagick dbus dbus-x11 gnome-keyring poppler-utils
  postgresql x11-utils)
# Windows on Debian: the cross-compiler for the app's cgo (Fyne's OpenGL
# window), Wine to run Windows binaries, wixl to build the MSI; and for the
# app's window under Wine, Xvfb with Mesa's software OpenGL, and ImageMagick's
# `import` for the screenshot.
windows_pkgs=(gcc-mingw-w64-x86-64 wine wine64 wixl msitools xvfb xauth xdotool libgl1-mesa-dri
  imagemagick)
# Just the cross-compiler: what `make test` needs to build for Windows.
windows_build_pkgs=(gcc-mingw-w64-x86-64)

case "${1:-build}" in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  windows) want=("${windows_pkgs[@]}") ;;
  windows-build) want=("${windows_build_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|windows|windows-build" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
echo "Installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd -qq >/dev/null
