#!/usr/bin/env bash
# On the device (receive.sh runs it after the last piece): the CUDA extraction checked against the CPU and timed.
#   bash bench/gpu/check.sh STAGE OUT
# STAGE is the unpacked publish (cli/, bench/), OUT where the results go ($OUT comes back from the device tool).
# Environment: OTX_PHOTOS=DIR uses carried photos (a class-per-folder tree) instead of generated ones;
# OTX_IMAGES=N photos for the timed runs (default 2048); OTX_E2E=1 also runs `e2e --quick --device cuda` (3-4 min);
# OTX_PYTHON=PATH the Python with numpy, Pillow and torch (default the device's /opt/torch/.venv one, else python3);
# OTX_DRY_RUN=1 runs every step on the CPU instead, without looking for a GPU: to try the script anywhere.
set -uo pipefail
stage=${1:?usage: check.sh STAGE OUT} out=${2:?usage: check.sh STAGE OUT}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$out"
exec > >(tee -a "$out/check.log") 2>&1
results="$out/gpu-check.md"
fail() { echo "check: $*" >&2; echo "**check failed:** $*" >> "$results"; exit 1; }
: > "$results"
cli="$stage/cli/onnx-transfer" bench="$stage/bench/OnnxTransfer.Bench"
[ -x "$cli" ] || fail "no published CLI at $cli: run bench/gpu/prepare.sh here, then the receive.sh calls it prints"

# A GPU, and the CUDA 13 libraries ONNX Runtime 1.32's CUDA provider loads. PyTorch's cu13 wheels ship them
# (site-packages/nvidia/*/lib); a system CUDA 13 + cuDNN 9 on the loader's path does too.
device=cuda py=${OTX_PYTHON:-python3}
[ -z "${OTX_PYTHON:-}" ] && [ -x /opt/torch/.venv/bin/python3 ] && py=/opt/torch/.venv/bin/python3
if [ "${OTX_DRY_RUN:-0}" = 1 ]; then
  device=cpu gpu="dry run on the CPU"
else
  command -v nvidia-smi >/dev/null || fail "no GPU here: nvidia-smi is not installed (this check is for the device machine; --device cpu needs no check)"
  gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)
  nvidia-smi -L 2>/dev/null | grep -q '^GPU ' || fail "no GPU here: nvidia-smi lists none ($gpu)"
  site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
  wheels=""
  [ -n "$site" ] && [ -d "$site/nvidia" ] && wheels=$(find "$site/nvidia" -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd:)
  export LD_LIBRARY_PATH="$wheels${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  missing=()
  for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcufft.so.12 libcudnn.so.9 libcuda.so.1; do
    found=""
    IFS=: read -ra dirs <<< "$LD_LIBRARY_PATH"
    for d in "${dirs[@]}" /usr/local/nvidia/lib64 /usr/local/cuda/lib64; do [ -n "$d" ] && [ -e "$d/$lib" ] && found=1 && break; done
    [ -n "$found" ] || ldconfig -p 2>/dev/null | grep -q "$lib " || missing+=("$lib")
  done
  [ ${#missing[@]} -eq 0 ] || fail "CUDA 13 libraries not found: ${missing[*]} (looked under ${site:-no python}/nvidia/*/lib, LD_LIBRARY_PATH and ldconfig); install CUDA 13 + cuDNN 9 or the nvidia-*-cu13 wheels"
  echo "check: $gpu; CUDA libraries from ${wheels:-the system}"
fi

# Photos: carried, or generated (smooth 500x375 JPEGs). The CPU comparison uses the first 100: three batches of 32
# and a short one, so the IO binding's rebinding for a short batch is checked too.
images=${OTX_IMAGES:-2048}
work=$(mktemp -d /tmp/otx-check.XXXX)
photos="$work/photos" cmp="$work/compare"
if [ -n "${OTX_PHOTOS:-}" ]; then
  photos=$OTX_PHOTOS
else
  "$py" "$here/photos.py" "$photos" "$images" || fail "could not generate photos (numpy and Pillow are needed)"
fi
mkdir -p "$cmp/x"
find "$photos" -type f -iname '*.jp*g' | sort | head -100 | while read -r f; do cp "$f" "$cmp/x/$(echo "${f#"$photos"/}" | tr / _)"; done
count=$(find "$photos" -type f -iname '*.jp*g' | wc -l) compared=$(find "$cmp" -type f | wc -l)

# The same models on both sides, random weights (timing and agreement do not depend on the values).
"$cli" models import --random-weights --arch efficientnetb0 --seed 1 -o "$work/efficientnetb0.onnx" || fail "importing EfficientNetB0 failed"
"$cli" models import --random-weights --arch vgg19 --seed 1 -o "$work/vgg19.onnx" || fail "importing VGG19 failed"
models=("efficientnetb0 top_activation avg" "vgg19 block5_pool none")

# One extraction; its summary.json and wall time go to runs.tsv.
tsv="$out/runs.tsv"
printf 'model\trun\tdevice\timages\tbatch\tbatch_reason\timages_per_s\tdecode_images_per_s\tmodel_images_per_s\tbinds\tprocess_s\n' > "$tsv"
extract() { # MODEL LAYER POOL NAME INPUT DEVICE [extra flags...]
  local m=$1 layer=$2 pool=$3 name=$4 input=$5 device=$6; shift 6
  local dir="$work/out-$m-$name" t0 t1
  t0=$(date +%s%N)
  "$cli" extract "$input" --model "$work/$m.onnx" --layer "$layer" --pool "$pool" --device "$device" -o "$dir" --overwrite -q "$@" \
    || { echo "check: $m $name failed"; return 1; }
  t1=$(date +%s%N)
  "$py" - "$dir/summary.json" "$m" "$name" "$(((t1 - t0) / 1000000))" >> "$tsv" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("\t".join([sys.argv[2], sys.argv[3], s["device"], str(s["processed_images"]), str(s["batch_size"]), s["batch_size_reason"],
                 f'{s["images_per_second"]:.1f}', f'{s["decode_images_per_second"]:.1f}', f'{s["model_images_per_second"]:.1f}',
                 s["bottleneck"], f'{int(sys.argv[4]) / 1000:.1f}']))
PY
}

# 1. Agreement: CPU and CUDA features of the same 100 photos. ORT's CUDA convolutions run in TF32 by default (10-bit
# mantissa, unit roundoff 2^-11 = 4.9e-4 per product, fp32 sums), and the error grows with depth (VGG19: 16
# convolutions; EfficientNetB0: 81); 1e-2 relative L2 per row allows that and no wrong result (a wrong layer or
# stale batch is off by order 1).
tol=1e-2
echo "## $device against CPU ($compared photos, per-row relative L2 error, tolerance $tol)" >> "$results"
agree=0
for spec in "${models[@]}"; do
  read -r m layer pool <<< "$spec"
  if ! { extract "$m" "$layer" "$pool" cpu "$cmp" cpu && extract "$m" "$layer" "$pool" cuda "$cmp" "$device"; }; then agree=1; continue; fi
  "$bench" features-csv "$work/out-$m-cpu" "$work/$m-cpu.csv" >/dev/null && "$bench" features-csv "$work/out-$m-cuda" "$work/$m-cuda.csv" >/dev/null
  line=$("$py" "$here/compare.py" "$work/$m-cpu.csv" "$work/$m-cuda.csv" "$tol") || agree=1
  echo "- $m $layer ($pool): $line" | tee -a "$results"
done

# 2. Speed on CUDA: ORT's defaults, the other cuDNN algorithm searches, the other arena growth, and --batch-size auto.
runs=("default" "heuristic --cudnn-conv-algo-search heuristic" "cudnn-default --cudnn-conv-algo-search default"
      "same-as-requested --gpu-arena-extend same-as-requested" "batch-auto --batch-size auto")
for spec in "${models[@]}"; do
  read -r m layer pool <<< "$spec"
  extract "$m" "$layer" "$pool" warm "$cmp" "$device" # page cache and the driver's first load
  for run in "${runs[@]}"; do
    read -r name flags <<< "$run"
    # shellcheck disable=SC2086 # the flags are words
    extract "$m" "$layer" "$pool" "$name" "$photos" "$device" $flags
  done
done

# 3. The same models in PyTorch on the same GPU and photos (cuDNN, PIL decoding in a DataLoader).
torchlog="$out/torch.txt"
: > "$torchlog"
for spec in "efficientnetb0 top_activation" "vgg19 block5_pool"; do
  read -r m layer <<< "$spec"
  "$py" "$repo/bench/peers/extract_torch.py" --input "$photos" --arch "$m" --layer "$layer" --device "$device" --batch-size 32 --workers "$(nproc)" \
    >> "$torchlog" 2>&1 || echo "check: torch $m failed (see torch.txt)"
done

# 4. Optionally the e2e benchmark on CUDA (its own report).
if [ "${OTX_E2E:-0}" = 1 ]; then
  (cd "$work" && timeout 300 "$bench" e2e --quick --device "$device" --out "$out/e2e-cuda.md") || echo "check: e2e --device cuda failed or ran out of time"
fi

{
  echo
  echo "## Runs ($count photos for the timed runs; process_s includes start-up and session creation)"
  echo
  "$py" - "$tsv" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print("| " + " | ".join(rows[0]) + " |")
print("|" + "---|" * len(rows[0]))
for r in rows[1:]:
    print("| " + " | ".join(r) + " |")
PY
  echo
  echo "## PyTorch (bench/peers/extract_torch.py --device $device --batch-size 32 --workers $(nproc))"
  echo
  sed 's/^/    /' "$torchlog"
  echo
  echo "$gpu; the CLI and benchmarks built from commit $(cat "$stage/COMMIT"); $(date -u '+%F %T') UTC"
} >> "$results"
cat "$results"
rm -rf "$work"
[ "$agree" = 0 ] || fail "CUDA features differ from the CPU's beyond $tol (or a run failed): see above"
