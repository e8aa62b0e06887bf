#!/usr/bin/env bash
# Here (no GPU needed): publishes the CLI and the benchmarks self-contained for linux-x64 with ONNX Runtime's CUDA
# package, packs them into pieces that each fit one device call (the tool carries at most 64 MiB of working tree a
# call), and prints the device calls to make, in order. See bench/gpu/README.md.
#   bash bench/gpu/prepare.sh [--no-bench]
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out="$root/bench/gpu/out"          # ignored (.gitignore): what the calls carry
limit=$((64 << 20))                # the device tool's working-tree limit per call
bench=1
[ "${1:-}" = "--no-bench" ] && bench=0
for tool in dotnet zstd split sha256sum git; do
  command -v "$tool" >/dev/null || { echo "prepare: $tool is needed here (apt-get install zstd coreutils git)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/otx-gpu"
# Its own artifacts folder, so the GPU package's restore leaves the working tree's CPU build alone.
# No symbols, doc files or translations of messages: every MiB is a share of a device call.
publish() { dotnet publish "$root/$1" -c Release -r linux-x64 --self-contained -p:OrtGpu=true \
              -p:DebugType=none -p:GenerateDocumentationFile=false -p:SatelliteResourceLanguages=en \
              --artifacts-path "$work/artifacts" -o "$stage/$2" -nologo -v:q; }
publish src/Cli cli
[ "$bench" = 1 ] && publish bench/OnnxTransfer.Bench bench
for lib in libonnxruntime.so libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  [ -f "$stage/cli/$lib" ] || { echo "prepare: the publish has no $lib: ONNX Runtime's CUDA package did not restore" >&2; exit 1; }
done
# TensorRT is not used (CUDA only), and its provider library would need TensorRT's.
rm -f "$stage"/*/libonnxruntime_providers_tensorrt.so
# The two apps share most files (the CUDA provider among them): hard links, which tar stores once.
if [ "$bench" = 1 ]; then
  (cd "$stage/bench" && find . -type f) | while read -r f; do
    if [ -f "$stage/cli/$f" ] && cmp -s "$stage/cli/$f" "$stage/bench/$f"; then ln -f "$stage/cli/$f" "$stage/bench/$f"; fi
  done
fi
git -C "$root" rev-parse HEAD > "$stage/COMMIT"

rm -rf "$out"
mkdir -p "$out/tools"
echo "prepare: compressing $(du -sh "$stage" | cut -f1) (zstd -12 --long=27)"
tar -C "$work" -cf - otx-gpu | zstd -q -12 --long=27 -T0 -o "$work/otx-gpu.tar.zst"
# zstd for the device (it may have none), with the libraries it links.
cp "$(command -v zstd)" "$out/tools/"
ldd "$(command -v zstd)" | awk '/=> \//{print $3}' | grep -E 'lib(zstd|lz4|lzma|z)\.so' | xargs -r -I{} cp {} "$out/tools/"

# What travels besides a piece: the tracked files and the untracked ones git does not ignore (and shared/).
tree=$(cd "$root" && { git ls-files -z; git ls-files -z -o --exclude-standard; } | xargs -0 -r stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
[ -d "$root/shared" ] && tree=$((tree + $(du -sb "$root/shared" | cut -f1)))
tools=$(du -sb "$out/tools" | cut -f1)
margin=$((1 << 20))
# The tools travel with the last piece, the remainder, which is the smallest.
piece=$((limit - tree - margin))
[ "$piece" -gt $((60 << 20)) ] && piece=$((60 << 20))
[ "$piece" -gt $((8 << 20)) ] || { echo "prepare: the working tree ($tree bytes) leaves no room for pieces under the 64 MiB limit" >&2; exit 1; }
split -b "$piece" -d -a 2 "$work/otx-gpu.tar.zst" "$out/piece."
(cd "$work" && sha256sum otx-gpu.tar.zst) > "$out/manifest.sha256"
(cd "$out" && sha256sum piece.*) >> "$out/manifest.sha256"
n=$(find "$out" -maxdepth 1 -name 'piece.*' | wc -l)
biggest=$(stat -c %s "$out"/piece.* | sort -n | tail -1)
last=$(stat -c %s "$(printf '%s/piece.%02d' "$out" $((n - 1)))")
if [ $((tree + biggest + 4096)) -gt "$limit" ] || [ $((tree + last + tools + 4096)) -gt "$limit" ]; then
  echo "prepare: a piece would not fit the 64 MiB limit" >&2; exit 1
fi

echo "prepare: $(stat -c %s "$work/otx-gpu.tar.zst" | numfmt --to=iec) in $n pieces of at most $(numfmt --to=iec "$biggest"); working tree $(numfmt --to=iec "$tree") (64 MiB a call in all)"
echo "prepare: make these device calls one right after another (the machine stays warm 30 s after each):"
for ((k = 0; k < n; k++)); do
  p=$(printf 'piece.%02d' "$k")
  carry="\"bench/gpu/out/$p\", \"bench/gpu/out/manifest.sha256\""
  t=120
  [ "$k" = $((n - 1)) ] && t=600 && carry="$carry, \"bench/gpu/out/tools\""
  echo "  run(command=\"bash bench/gpu/receive.sh $k $n\", carry=[$carry], timeout_s=$t)"
done
echo "prepare: the last call reassembles, checks the sha256s and runs bench/gpu/check.sh; its results come back from \$OUT."
