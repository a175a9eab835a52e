#!/usr/bin/env node
'use strict';
// The `recon` command. In a checkout it runs the TypeScript sources through tsx; in an installed
// build (no sources or no tsx) it runs the compiled dist/.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'cli', 'main.ts');

function tsxAvailable() {
  try {
    require.resolve('tsx/cjs/api', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

const compiled = path.join(root, 'dist', 'cli', 'main.js');
// The commands that run a worker start again with its heap budget (RECON_WORKER_HEAP_MB, see
// workers/heap-budget.ts) before loading the CLI, so this first process stays small.
const HEAP_BUDGET_COMMANDS = new Set(['worker', 'dev']);
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));

function load(sources, compiledFile) {
  return useSources ? require(sources) : require(compiledFile);
}

let useSources;
if (fs.existsSync(source) && tsxAvailable()) {
  require(require.resolve('tsx/cjs/api', { paths: [root] })).register();
  useSources = true;
} else if (fs.existsSync(compiled)) {
  useSources = false;
} else {
  console.error(`recon: dependencies are not installed. Run \`npm ci\` in ${root} first.`);
  process.exit(1);
}
const relaunched =
  HEAP_BUDGET_COMMANDS.has(command) && load(path.join(root, 'workers', 'heap-budget.ts'), path.join(root, 'dist', 'workers', 'heap-budget.js')).relaunchWithHeapBudget();
if (!relaunched) load(source, compiled).main(process.argv);
