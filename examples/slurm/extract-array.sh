#!/usr/bin/env bash
# Feature extraction as a Slurm job array: array task K of N extracts shard K/N of the input into one output folder
# on a shared file system (every task lists the same input the same way, so they agree on who does what without
# talking to each other). A killed or failed task is rerun alone and resumes; `features verify` says when all are done.
#
#   sbatch --array=0-3 examples/slurm/extract-array.sh INPUT MODEL LAYER OUTPUT
#   sbatch --array=2 --export=ALL,ONNX_TRANSFER_SHARD_COUNT=4 examples/slurm/extract-array.sh INPUT MODEL LAYER OUTPUT   # rerun task 2 alone
#   onnx-transfer features verify OUTPUT
#
# Number the array from 0: the shard is SLURM_ARRAY_TASK_ID as it is, of SLURM_ARRAY_TASK_COUNT tasks. A task submitted
# alone sees a count of 1, hence ONNX_TRANSFER_SHARD_COUNT when rerunning one. INPUT is a photo folder or a list file
# (Food-101's meta/train.txt), MODEL a built-in name (cached on the shared file system: ONNX_TRANSFER_CACHE) or a .onnx file.
# Environment: ONNX_TRANSFER (the command, default onnx-transfer; e.g. "dotnet /opt/onnx-transfer/onnx-transfer.dll"),
# POOL (avg), DEVICE (auto: CUDA when the task has a GPU), EXTRA (more extract options, e.g. "--dtype float16").
#SBATCH --job-name=onnx-transfer-extract
#SBATCH --cpus-per-task=2
#SBATCH --output=extract-%A_%a.out
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: sbatch --array=0-(N-1) $0 INPUT MODEL LAYER OUTPUT" >&2
  exit 2
fi
input=$1 model=$2 layer=$3 output=$4
read -r -a run <<< "${ONNX_TRANSFER:-onnx-transfer}"
read -r -a extra <<< "${EXTRA:-}"
# ONNX Runtime's threads on the CPUs Slurm gave this task, not on every core of a node other tasks share.
exec "${run[@]}" extract "$input" --model "$model" --layer "$layer" --pool "${POOL:-avg}" -o "$output" \
  --device "${DEVICE:-auto}" --threads "${SLURM_CPUS_PER_TASK:-0}" "${extra[@]}" -q
