#!/usr/bin/env bash
# On the device, one call per piece: bash bench/gpu/receive.sh K N (prepare.sh prints the calls). Keeps piece K in
# /tmp/otx-gpu, outside the copy of the repo each call gets, after checking that pieces 0..K-1 of the earlier calls
# are still there; the last call reassembles the archive, checks it and runs bench/gpu/check.sh.
set -euo pipefail
k=$1 n=$2
here=$(cd "$(dirname "$0")" && pwd)
manifest="$here/out/manifest.sha256"
keep=/tmp/otx-gpu
[ -f "$manifest" ] || { echo "receive: $manifest was not carried; carry bench/gpu/out/manifest.sha256 with each piece" >&2; exit 1; }
mkdir -p "$keep"
[ "$k" = 0 ] && rm -rf "${keep:?}"/*
# zstd, in case the device has none: carried with the last piece.
[ -d "$here/out/tools" ] && cp -r "$here/out/tools" "$keep/"
piece=$(printf 'piece.%02d' "$k")
[ -f "$here/out/$piece" ] || { echo "receive: bench/gpu/out/$piece was not carried" >&2; exit 1; }
cp "$here/out/$piece" "$keep/"
# Every piece so far must be there and whole: a missing one means the machine was given back between calls.
(cd "$keep" && for ((i = 0; i <= k; i++)); do
   p=$(printf 'piece.%02d' "$i")
   [ -f "$p" ] || { echo "receive: $p of an earlier call is gone from $keep: the machine was given back between calls (warm 30 s); start again with piece 0" >&2; exit 1; }
   grep " $p\$" "$manifest" | sha256sum -c --quiet - || { echo "receive: $p differs from the manifest; run prepare.sh again and start with piece 0" >&2; exit 1; }
 done)
echo "receive: pieces 0..$k of $n in $keep, sha256s match ($(date -u +%T))"
[ "$k" = $((n - 1)) ] || exit 0

# The device's zstd, or the one carried with piece 0 (with its libraries).
unzstd=(zstd)
command -v zstd >/dev/null || unzstd=(env "LD_LIBRARY_PATH=$keep/tools" "$keep/tools/zstd")
cat "$keep"/piece.* > "$keep/otx-gpu.tar.zst"
(cd "$keep" && grep ' otx-gpu.tar.zst$' "$manifest" | sha256sum -c --quiet -) || { echo "receive: the reassembled archive differs from the manifest" >&2; exit 1; }
"${unzstd[@]}" -q -d --long=27 -c "$keep/otx-gpu.tar.zst" | tar -C "$keep" -xf -
rm -f "$keep"/piece.* "$keep/otx-gpu.tar.zst"
echo "receive: unpacked $(cat "$keep/otx-gpu/COMMIT") into $keep/otx-gpu ($(date -u +%T))"
exec bash "$here/check.sh" "$keep/otx-gpu" "${OUT:-$keep/results}"
