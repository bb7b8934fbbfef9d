#!/usr/bin/env bash
# Installs the system libraries iku needs when they are missing (as root, with apt-get),
# or says exactly what to install on apt, dnf and Homebrew systems.
set -euo pipefail

need=()
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1" 2>/dev/null; }
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

command -v pkg-config >/dev/null 2>&1 || need+=("pkg-config:pkgconf-pkg-config:pkg-config")
{ have_pc openblas || have_lib 'libopenblas\.so '; } || need+=("libopenblas-dev:openblas-devel:openblas")
command -v cargo >/dev/null 2>&1 || { echo "iku needs a Rust toolchain (cargo); install it with rustup: https://rustup.rs" >&2; exit 1; }

[ ${#need[@]} -eq 0 ] && exit 0

apt_pkgs=(); dnf_pkgs=(); brew_pkgs=()
for n in "${need[@]}"; do
  IFS=: read -r a d b <<<"$n"; apt_pkgs+=("$a"); dnf_pkgs+=("$d"); brew_pkgs+=("$b")
done

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${apt_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
iku needs system packages that are missing here. Install them, then run make again:
  Debian/Ubuntu:  sudo apt-get install ${apt_pkgs[*]}
  Fedora/RHEL:    sudo dnf install ${dnf_pkgs[*]}
  macOS:          brew install ${brew_pkgs[*]}
MSG
exit 1
