'use strict';
// Run with `node --test clients/node/` from the repository root. Starts the real server jar
// (PARAMSTREAM_SERVER_JAR, or the one the server module built) on a free port.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ps = require('./paramstream');
const example = require('./example');
const { startServer } = require('./server-process');

const SGD = { lr: 0.1, weightDecayCoef: 0.01 };

let server;
let target;
let client;

before(async () => {
  // Server defaults differ from the groups' own hyperparameters, so a lost one would show.
  server = await startServer(['--lr', '0.5']);
  target = server.target;
  client = ps.connect(target);
});

after(() => {
  client?.close();
  server?.stop();
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

test('a session with maxInFlight sends at most that many pushes ahead of their acks', async () => {
  await ps.createGroup(client, { name: 'window/w', values: [1.0], weightDecay: false, ...SGD });
  const session = ps.openPushSession(client, 30, { maxInFlight: 2 });
  const acks = Array.from({ length: 6 }, () => session.push({ 'window/w': [0.1] }));
  assert.equal(session.inFlight, 2);
  session.end();
  const results = await Promise.all(acks);
  assert.deepEqual(results.map((a) => a.versions['window/w']), [1, 2, 3, 4, 5, 6]);
  assert.equal(session.inFlight, 0);
});

test('pullIfNewer: null while not newer, the values once a push lands', async () => {
  await ps.createGroup(client, { name: 'newer/w', values: [1.0], weightDecay: false, ...SGD });
  assert.equal(await ps.pullIfNewer(client, 'newer/w', 0), null);
  await ps.push(client, { 'newer/w': [1.0] });
  const fresh = await ps.pullIfNewer(client, 'newer/w', 0);
  assert.equal(fresh.version, 1);
  assertClose(fresh.values, [0.9]);
  assert.equal(await ps.pullIfNewer(client, 'newer/w', 1), null);
  await assert.rejects(ps.pullIfNewer(client, 'newer/missing', 0), { code: 'NOT_FOUND' });
});

test('exactly-once: a push sent again under the same worker and sequence applies once', async () => {
  await ps.createGroup(client, { name: 'once/w', values: [1.0], weightDecay: false, ...SGD });
  const once = { workerId: 'node-worker', sequence: 1 };
  const session = ps.openPushSession(client);
  const first = await session.push({ 'once/w': [1.0] }, once);
  session.end();
  // Sent again on a new stream, as a worker does after losing the ack.
  const again = ps.openPushSession(client);
  const repeated = await again.push({ 'once/w': [1.0] }, once);
  const next = await again.push({ 'once/w': [1.0] }, { workerId: 'node-worker', sequence: 2 });
  again.end();
  assert.deepEqual([first.code, first.duplicate, first.versions['once/w']], ['OK', false, 1]);
  assert.deepEqual([repeated.code, repeated.duplicate], ['OK', true]);
  assert.deepEqual([next.code, next.duplicate, next.versions['once/w']], ['OK', false, 2]);
  assertClose((await ps.pull(client, ['once/w']))['once/w'].values, [0.8]);
  await assert.rejects(ps.push(client, { 'once/w': [1.0] }, { workerId: 'node-worker' }), {
    code: 'INVALID_ARGUMENT',
  });
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
