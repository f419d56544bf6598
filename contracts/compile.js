// compile.js compiles src/**/*.sol with the pinned solc (package.json) through
// the standard-JSON interface, with a pinned EVM version and optimizer, and
// writes <Name>.abi and <Name>.bin for every contract into the output folder.
// Usage: node compile.js <outdir>
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const EVM_VERSION = 'cancun';
const OPTIMIZER_RUNS = 200;
const PINNED = require('./package.json').devDependencies.solc;

const out = process.argv[2];
if (!out) {
  console.error('usage: node compile.js <outdir>');
  process.exit(2);
}
if (!solc.version().startsWith(PINNED + '+')) {
  console.error(`solc ${solc.version()} does not match pinned ${PINNED}: run npm ci --prefix contracts`);
  process.exit(1);
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.sol') ? [p] : [];
  }).sort();
}

const root = __dirname;
const sources = {};
for (const file of walk(path.join(root, 'src'))) {
  const unit = path.relative(root, file).split(path.sep).join('/');
  sources[unit] = { content: fs.readFileSync(file, 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  console.error(e.formattedMessage || e.message);
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);

fs.mkdirSync(out, { recursive: true });
for (const unit of Object.keys(output.contracts).sort()) {
  for (const name of Object.keys(output.contracts[unit]).sort()) {
    const c = output.contracts[unit][name];
    fs.writeFileSync(path.join(out, name + '.abi'), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(out, name + '.bin'), c.evm.bytecode.object + '\n');
  }
}
