#!/usr/bin/env node
// Runs a classifier exported by `onnx-transfer export --input fixed` in onnxruntime-node (a different ONNX Runtime
// build and binding than the tool's) on the exact pixels the tool decodes, and checks its top-1 (and
// probabilities) against `onnx-transfer predict --format csv`.
//
//   npm install --ignore-scripts onnxruntime-node          # CPU binaries ship in the package
//   dotnet run -c Release --project bench/OnnxTransfer.Bench -- image-tensors model.onnx PHOTOS /tmp/t
//   onnx-transfer predict model.onnx PHOTOS --format csv --top-k 1 > tool.csv
//   node bench/peers/run_exported_node.mjs model.onnx /tmp/t tool.csv
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// Resolved from the working directory, where `npm install` put it (the script itself lives in the repo).
const require = createRequire(process.cwd() + "/");
const ort = require("onnxruntime-node");
const [model, prefix, toolCsv] = process.argv.slice(2);
if (!toolCsv) {
  console.error("usage: run_exported_node.mjs MODEL.onnx TENSORS_PREFIX TOOL.csv");
  process.exit(2);
}

const session = await ort.InferenceSession.create(model);
const classes = JSON.parse(readFileSync(prefix + ".classes.json", "utf8"));
const paths = readFileSync(prefix + ".paths.txt", "utf8").split("\n").filter(Boolean);
const raw = readFileSync(prefix + ".bin");
const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const per = all.length / paths.length;
const size = Math.round(Math.sqrt(per / 3));

const tool = new Map();
for (const line of readFileSync(toolCsv, "utf8").split("\n").slice(1).filter(Boolean)) {
  const [path, top1, p1] = line.split(",");
  tool.set(path, { top1, p1: Number(p1) });
}

let agree = 0, compared = 0, worst = 0;
const batch = 16;
for (let start = 0; start < paths.length; start += batch) {
  const n = Math.min(batch, paths.length - start);
  const input = new ort.Tensor("float32", all.subarray(start * per, (start + n) * per), [n, size, size, 3]);
  const out = (await session.run({ image: input })).probabilities;
  const k = out.dims[1];
  for (let i = 0; i < n; i++) {
    const probs = out.data.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[c] > probs[best]) best = c;
    const mine = tool.get(paths[start + i]);
    if (!mine) continue;
    compared++;
    if (classes[best] === mine.top1) agree++;
    worst = Math.max(worst, Math.abs(probs[best] - mine.p1));
  }
}
console.log(`onnxruntime-node ${ort.env.versions.common}: top-1 agrees with the tool on ${agree}/${compared} images; ` +
            `max |p_top1 difference| ${worst.toExponential(2)}`);
process.exit(agree === compared && compared > 0 ? 0 : 1);
