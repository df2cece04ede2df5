'use strict';
// index.d.ts declares every export of paramstream.js and nothing it lacks: TypeScript users see
// the whole client, and a function added without its declaration fails here.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const ps = require('./paramstream');

test('index.d.ts declares exactly the exports of paramstream.js', () => {
  const declarations = fs.readFileSync(path.join(__dirname, 'index.d.ts'), 'utf8');
  const declared = [...declarations.matchAll(/^export (?:function|class) (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(declared)].sort(), Object.keys(ps).sort());
});
