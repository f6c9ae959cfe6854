#!/usr/bin/env bash
# go-toolchains.sh: unpack Go toolchains of several releases from Debian's packages into a cache,
# without touching the system's apt sources, and print "VERSION GOROOT" for each.
#
#   go-toolchains.sh [1.19 1.20 ... 1.27]      (default: every release listed below)
#   GO_TOOLCHAINS_DIR=DIR to choose the cache  (default: ~/.cache/go-toolchains)
#
# Debian ships golang-1.XX-go for 1.19 (bookworm), 1.21-1.23 (bookworm-backports),
# 1.24+ (trixie, trixie-backports, sid). 1.20 is not packaged for any current suite.
# The toolchains are statically linked, so they run on bookworm once unpacked.
# Copied verbatim from the project's shared tools/go-toolchains.sh, so a clean clone has it.
set -euo pipefail
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
dir=${GO_TOOLCHAINS_DIR:-$HOME/.cache/go-toolchains}
apt=$dir/apt
mkdir -p "$apt/etc" "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/debs"
# the Debian archive this machine already uses, with the suites that carry newer Go releases
archive=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
          | grep -v security | sed -n '1{s/ //g;p}' || true)
[ -n "$archive" ] || { echo "go-toolchains.sh: no Debian archive in this machine's apt sources" >&2; exit 1; }
: >"$apt/etc/sources.list"
for suite in bookworm bookworm-backports trixie trixie-backports sid; do
  echo "deb $archive $suite main" >>"$apt/etc/sources.list"
done
opts=(-o Dir::Etc::SourceList="$apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1
      -o APT::Architecture=amd64 -o APT::Sandbox::User=root)
need_update=1
for v in "${versions[@]}"; do
  root=$dir/$v/usr/lib/go-$v
  if [ ! -x "$root/bin/go" ]; then
    if [ $need_update = 1 ]; then apt-get "${opts[@]}" -qq update >&2; need_update=0; fi
    (cd "$dir/debs" && apt-get "${opts[@]}" -qq download "golang-$v-go" "golang-$v-src" >&2)
    mkdir -p "$dir/$v"
    for deb in "$dir/debs"/golang-"$v"-{go,src}_*.deb; do dpkg-deb -x "$deb" "$dir/$v"; done
    # the go package links its GOROOT/src to /usr/share/go-$v/src; point it into the cache instead
    if [ -L "$root/src" ]; then rm "$root/src"; ln -s "$dir/$v/usr/share/go-$v/src" "$root/src"; fi
    if [ -L "$root/pkg/include" ]; then rm "$root/pkg/include"; ln -s "$dir/$v/usr/share/go-$v/pkg/include" "$root/pkg/include"; fi
  fi
  echo "$("$root/bin/go" env GOVERSION) $root"
done
