// Builds ../static/plotly-apps.min.js from entry.mjs (an ES module whose default export is
// Plotly) and writes ../static/plotly-apps.json: the plotly.js version, the trace types
// registered (eyanalysis.apps.figures reads them) and a digest of this folder's inputs,
// which tests/test_app_charts.py recomputes (a bundle not rebuilt after its inputs changed
// fails the tests). Run `npm ci && npm run build` here.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const inputs = ["entry.mjs", "build.mjs", "package.json", "package-lock.json"];
const digest = createHash("sha256");
for (const name of inputs) digest.update(readFileSync(name));

await build({
  entryPoints: ["entry.mjs"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  // as plotly.js's own build (its esbuild-config.js)
  define: { global: "window", "define.amd": "false" },
  // the map traces' style sheet, which the apps never draw, is left out
  loader: { ".css": "empty" },
  legalComments: "eof",
  banner: { js: "/*! plotly.js (MIT License, Copyright (c) 2016-2024 Plotly Technologies Inc.; https://github.com/" +
                "plotly/plotly.js), only the trace types of entry.mjs: eyanalysis/apps/js */" },
  outfile: "../static/plotly-apps.min.js",
  logLevel: "info",
});

// the trace types the bundle registers: scatter (in the core) and entry.mjs's imports
const traces = ["scatter", ...[...readFileSync("entry.mjs", "utf8").matchAll(
  /from "plotly\.js\/lib\/(\w+)"/g)].map((m) => m[1]).filter((t) => t !== "core")].sort();
const version = JSON.parse(readFileSync("node_modules/plotly.js/package.json")).version;
writeFileSync("../static/plotly-apps.json", JSON.stringify(
  { plotly_js: version, traces, inputs, sha256: digest.digest("hex") }, null, 2) + "\n");
