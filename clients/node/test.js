'use strict';
// Run with `node --test clients/node/` from the repository root. Starts the real server jar
// (PARAMSTREAM_SERVER_JAR, or the one the server module built) on a free port.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const ps = require('./paramstream');
const example = require('./example');

const REPO_ROOT = path.resolve(__dirname, '../..');
const SGD = { lr: 0.1, weightDecayCoef: 0.01 };

function serverJar() {
  if (process.env.PARAMSTREAM_SERVER_JAR) {
    return process.env.PARAMSTREAM_SERVER_JAR;
  }
  const dir = path.join(REPO_ROOT, 'server/target');
  const jar = fs.existsSync(dir) && fs.readdirSync(dir).find((f) => /^paramstream-server-.*-all\.jar$/.test(f));
  if (!jar) {
    throw new Error('server jar not found: run ./mvnw -B -q -DskipTests -pl server -am package');
  }
  return path.join(dir, jar);
}

let server;
let target;
let client;

before(async () => {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin/java') : 'java';
  // Server defaults differ from the groups' own hyperparameters, so a lost one would show.
  server = spawn(java, ['-jar', serverJar(), '--port', '0', '--lr', '0.5'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  target = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s')), 60000);
    server.on('error', reject); // e.g. java not on PATH
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    readline.createInterface({ input: server.stdout }).on('line', (line) => {
      const match = /paramstream server listening on (\S+):(\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(`${match[1]}:${match[2]}`);
      }
    });
  });
  client = ps.connect(target);
});

after(() => {
  client?.close();
  server?.kill('SIGTERM');
});

function assertClose(actual, expected) {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= 1e-6, `[${i}] ${actual[i]} != ${e}`));
}

test('reference example: decay and no-decay groups in one push', async () => {
  await ps.createGroup(client, { name: 'ref/w', values: [1.0, 2.0], weightDecay: true, ...SGD });
  await ps.createGroup(client, { name: 'ref/b', values: [0.5], weightDecay: false, ...SGD });
  const versions = await ps.push(client, { 'ref/w': [0.1, 0.2], 'ref/b': [0.05] });
  assert.deepEqual(versions, { 'ref/w': 1, 'ref/b': 1 });
  const pulled = await ps.pull(client, ['ref/w', 'ref/b']);
  assertClose(pulled['ref/w'].values, [0.989, 1.978]);
  assertClose(pulled['ref/b'].values, [0.495]);
  assert.equal(pulled['ref/w'].version, 1);
});

test('bad push: NaN is INVALID_ARGUMENT, unknown group NOT_FOUND, nothing changes', async () => {
  await ps.createGroup(client, { name: 'bad/w', values: [1.0, 2.0], weightDecay: true, ...SGD });
  await assert.rejects(ps.push(client, { 'bad/w': [NaN, 0.1] }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(ps.push(client, { 'bad/w': [0.1, 0.1], 'bad/missing': [1] }), {
    code: 'NOT_FOUND',
  });
  const { 'bad/w': w } = await ps.pull(client, ['bad/w']);
  assert.equal(w.version, 0);
  assertClose(w.values, [1.0, 2.0]);
});

test('streamed pushes are acked in order with increasing versions', async () => {
  await ps.createGroup(client, { name: 'stream/w', values: [1.0], weightDecay: false, ...SGD });
  const session = ps.openPushSession(client);
  const acks = await Promise.all(Array.from({ length: 10 }, () => session.push({ 'stream/w': [0.1] })));
  session.end();
  assert.deepEqual(acks.map((a) => a.push_id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(acks.map((a) => a.versions['stream/w']), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assertClose((await ps.pull(client, ['stream/w']))['stream/w'].values, [0.9]);
});

test('a learning-rate schedule sets lr alone and every group keeps its weight decay', async () => {
  await ps.createGroup(client, { name: 'sched/w', values: [1.0, 2.0], weightDecay: true, ...SGD });
  const [changed] = await ps.setHyperparameters(client, { lr: 0.05, names: ['sched/w'] });
  assert.equal(changed.hyperparameters.learning_rate, 0.05);
  assert.equal(changed.hyperparameters.weight_decay, 0.01);
  const [listed] = await ps.listGroups(client, ['sched/w']);
  assert.equal(listed.hyperparameters.weight_decay, 0.01);
  await ps.push(client, { 'sched/w': [0.1, 0.2] });
  assertClose((await ps.pull(client, ['sched/w']))['sched/w'].values, [0.9945, 1.989]);
  await assert.rejects(ps.setHyperparameters(client, { names: ['sched/w'] }), {
    code: 'INVALID_ARGUMENT',
  });
});

test('a group over 4 MiB is created and pulled in chunks', async () => {
  const values = Array.from({ length: 1_200_000 }, (_, i) => i % 1000);
  await ps.createGroup(client, { name: 'big', values, weightDecay: false, ...SGD });
  const { big } = await ps.pull(client, ['big']);
  assert.equal(big.values.length, values.length);
  assert.ok(big.values.every((v, i) => v === values[i]));
});

test('a watch of two groups pushed together by concurrent pushers sees whole states', async () => {
  // lr 1 and a gradient of -1 make every element equal its group's version.
  const size = 20000;
  const pushers = 3;
  const pushesEach = 40;
  const last = pushers * pushesEach;
  const names = ['sets/a', 'sets/b'];
  for (const name of names) {
    const values = new Array(size).fill(0);
    await ps.createGroup(client, { name, values, weightDecay: false, lr: 1, weightDecayCoef: 0 });
  }
  const sets = [];
  let failure = null;
  let reachedLast;
  const latest = new Promise((resolve) => (reachedLast = resolve));
  const watch = ps.watch(
    client,
    names,
    async (set) => {
      sets.push(set);
      if (set['sets/a']?.version === last) {
        reachedLast();
      }
      await new Promise((resolve) => setTimeout(resolve, 20)); // a slow consumer
    },
    (err) => (failure = err),
  );
  try {
    const minusOne = new Array(size).fill(-1);
    await Promise.all(
      Array.from({ length: pushers }, async () => {
        for (let i = 0; i < pushesEach; i++) {
          await ps.push(client, { 'sets/a': minusOne, 'sets/b': minusOne });
        }
      }),
    );
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no set at version ${last} within 20 s`)), 20000),
    );
    await Promise.race([latest, timeout]);
  } finally {
    watch.cancel();
  }
  assert.equal(failure, null);
  let previous = -1;
  for (const set of sets) {
    assert.deepEqual(Object.keys(set).sort(), names);
    const version = set['sets/a'].version;
    assert.equal(set['sets/b'].version, version);
    assert.ok(version > previous, `versions increase: ${previous} then ${version}`);
    previous = version;
    for (const name of names) {
      assert.ok(set[name].values.every((v) => v === version), `${name} values at ${version}`);
    }
  }
  assert.ok(sets.length < last, `a slow watcher gets coalesced sets, got ${sets.length}`);
});

test('example.js runs against the server', async () => {
  const pulled = await example.main(target);
  // Pushes 1 and 2 applied, push 3 (NaN) rejected: b got two gradients, w one.
  assertClose(pulled['node/w'].values, [0.989, 1.978]);
  assertClose(pulled['node/b'].values, [0.49]);
  assert.equal(pulled['node/b'].version, 2);
});
