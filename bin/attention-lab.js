#!/usr/bin/env node
'use strict';
// The CLI's entry: the bundle is built by `npm ci` (prepare) or `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  console.error('attention-lab: dist/cli.js is missing; run `npm run build` in ' + path.join(__dirname, '..'));
  process.exit(2);
}
require(bundle);
