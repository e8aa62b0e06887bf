#!/usr/bin/env node
// Runs a classifier exported by `onnx-transfer export` (the default raw-photo form) in onnxruntime-node, a different
// ONNX Runtime build and binding than the tool's, on decoded photos, and prints their probabilities as JSON:
// {"version": "...", "probabilities": [[...], ...]}, one array per photo, in the order of PHOTOS.json.
//
//   npm install --ignore-scripts onnxruntime-node          # CPU binaries ship in the package
//   node run_photos_node.mjs MODEL.onnx PHOTOS.json        # run from the folder npm installed into
//
// PHOTOS.json lists [{"file": "a.rgb", "width": W, "height": H}, ...]; each file holds H x W x 3 bytes, RGB, row-major
// (the photo decoded and upright), paths relative to PHOTOS.json.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// Resolved from the working directory, where `npm install` put it (the script itself lives in the repo).
const require = createRequire(process.cwd() + "/");
const ort = require("onnxruntime-node");
const [model, list] = process.argv.slice(2);
if (!list) {
  console.error("usage: run_photos_node.mjs MODEL.onnx PHOTOS.json");
  process.exit(2);
}

const session = await ort.InferenceSession.create(model);
const probabilities = [];
for (const photo of JSON.parse(readFileSync(list, "utf8"))) {
  const bytes = readFileSync(join(dirname(list), photo.file));
  const image = new ort.Tensor("uint8", new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), [1, photo.height, photo.width, 3]);
  const out = (await session.run({ image })).probabilities;
  probabilities.push(Array.from(out.data));
}
console.log(JSON.stringify({ version: ort.env.versions.common, probabilities }));
