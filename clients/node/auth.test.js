'use strict';
// connect(target, {token}) against a server started with --auth-tokens.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ps = require('./paramstream');
const { startServer } = require('./server-process');

const READER = 'reader-token-0123456789';
let server;
let dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramstream-node-auth-'));
  fs.writeFileSync(path.join(dir, 'tokens'), `reader ${READER}\n`);
  server = await startServer(['--auth-tokens', path.join(dir, 'tokens')]);
});

after(() => {
  server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a token is sent with every call; without one the server refuses', async () => {
  const anonymous = ps.connect(server.target);
  const reader = ps.connect(server.target, { token: READER });
  try {
    await assert.rejects(ps.listGroups(anonymous), { code: 'UNAUTHENTICATED' });
    assert.deepEqual(await ps.listGroups(reader), []);
    // A reader may read but not write.
    await assert.rejects(ps.push(reader, { w: [1.0] }), { code: 'PERMISSION_DENIED' });
  } finally {
    anonymous.close();
    reader.close();
  }
});
