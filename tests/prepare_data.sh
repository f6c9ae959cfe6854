#!/usr/bin/env bash
# prepare_data.sh SRC DEST: unpack the stored test cores and executables (SRC/**.gz) into DEST,
# keeping the tree; files already unpacked and newer than their source are left alone.
set -euo pipefail
src=$1 dest=$2
mkdir -p "$dest"
dest=$(cd "$dest" && pwd) # the loop below runs inside SRC
[ -d "$src" ] || exit 0
cd "$src"
find . -type f | while read -r f; do
  rel=${f#./}
  case "$rel" in
    *.gz) out="$dest/${rel%.gz}" ;;
    *) out="$dest/$rel" ;;
  esac
  if [ -e "$out" ] && [ "$out" -nt "$f" ]; then continue; fi
  mkdir -p "$(dirname "$out")"
  case "$rel" in
    *.gz) gzip -dc "$f" > "$out.tmp" ;;
    *) cp "$f" "$out.tmp" ;;
  esac
  case "$rel" in *exe*) chmod +x "$out.tmp" ;; esac
  mv "$out.tmp" "$out"
done
