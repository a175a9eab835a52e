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
let cli;
if (fs.existsSync(source) && tsxAvailable()) {
  require(require.resolve('tsx/cjs/api', { paths: [root] })).register();
  cli = require(source);
} else if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  console.error(`recon: dependencies are not installed. Run \`npm ci\` in ${root} first.`);
  process.exit(1);
}
cli.main(process.argv);
