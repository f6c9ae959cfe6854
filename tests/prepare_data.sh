#!/usr/bin/env bash
# prepare_data.sh SRC DEST: unpack the stored test cores and executables (SRC/**.gz) into DEST,
# keeping the tree; files already unpacked and newer than their source are left alone.
# SRC/MANIFEST lists every stored file with its SHA-256 and its unpacked size: a stored file
# that is missing, damaged or not listed, or one that unpacks short, fails the run with a line
# saying what to do -- the tests must never run on less data than they claim to cover.
#
# prepare_data.sh --manifest SRC: rewrite SRC/MANIFEST after adding or regenerating stored data
# (tests/tools/make_stored_cores.sh does this itself).
set -euo pipefail
die() { echo "prepare_data.sh: $*" >&2; exit 1; }

unpacked_size() { # FILE: size of what it unpacks to
  case "$1" in
    *.gz) gzip -dc "$1" | wc -c ;;
    *) stat -c %s "$1" ;;
  esac
}

if [ "${1:-}" = "--manifest" ]; then
  [ $# -eq 2 ] && [ -d "$2" ] || die "usage: prepare_data.sh --manifest SRC"
  cd "$2"
  tmp=$(mktemp)
  find . -type f ! -name MANIFEST | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
    echo "$(unpacked_size "$f") $(sha256sum "$f" | cut -d' ' -f1) $f"
  done >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" MANIFEST
  echo "prepare_data.sh: $(wc -l <MANIFEST) stored files listed in $2/MANIFEST"
  exit 0
fi

[ $# -eq 2 ] || die "usage: prepare_data.sh SRC DEST | --manifest SRC"
src=$1 dest=$2
[ -d "$src" ] || die "no stored data at $src: restore tests/cores (git checkout -- tests/cores)"
[ -f "$src/MANIFEST" ] || die "$src/MANIFEST is missing: restore it (git checkout -- tests/cores/MANIFEST)"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cd "$src"

# 1. every listed file is there and intact, and nothing unlisted is
listed=$(awk '{print $3}' MANIFEST | LC_ALL=C sort)
present=$(find . -type f ! -name MANIFEST | sed 's|^\./||' | LC_ALL=C sort)
missing=$(LC_ALL=C comm -23 <(echo "$listed") <(echo "$present") | sed '/^$/d')
extra=$(LC_ALL=C comm -13 <(echo "$listed") <(echo "$present") | sed '/^$/d')
[ -z "$missing" ] || die "$(echo "$missing" | wc -l) stored files listed in MANIFEST are missing from $src, e.g. $(echo "$missing" | head -3 | tr '\n' ' ')-- restore them (git checkout -- tests/cores) or regenerate them (tests/tools/make_stored_cores.sh)"
[ -z "$extra" ] || die "stored files not listed in MANIFEST: $(echo "$extra" | head -3 | tr '\n' ' ')-- run tests/prepare_data.sh --manifest tests/cores"
bad=$(awk '{print $2 "  " $3}' MANIFEST | sha256sum --quiet -c - 2>/dev/null | sed -n 's/: FAILED.*//p' || true)
[ -z "$bad" ] || die "stored files damaged (SHA-256 differs from MANIFEST): $(echo "$bad" | head -3 | tr '\n' ' ')-- restore them (git checkout -- tests/cores)"

# 2. unpack what is new, then check every unpacked size
while read -r size _ rel; do
  case "$rel" in
    *.gz) out="$dest/${rel%.gz}" ;;
    *) out="$dest/$rel" ;;
  esac
  # unpack when new, or again when an earlier copy has the wrong size
  if ! { [ -e "$out" ] && [ "$out" -nt "$rel" ] && [ "$(stat -c %s "$out")" = "$size" ]; }; then
    mkdir -p "$(dirname "$out")"
    case "$rel" in
      *.gz) gzip -dc "$rel" >"$out.tmp" || die "unpacking $src/$rel failed" ;;
      *) cp "$rel" "$out.tmp" ;;
    esac
    case "$rel" in *exe*) chmod +x "$out.tmp" ;; esac
    mv "$out.tmp" "$out"
  fi
  got=$(stat -c %s "$out")
  [ "$got" = "$size" ] || die "$out has $got bytes, MANIFEST says $size: unpacked short (disk full?)"
done <MANIFEST
echo "prepare_data.sh: $(wc -l <MANIFEST) stored files checked and unpacked into $dest"
