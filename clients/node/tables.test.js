'use strict';
// Sparse tables through the Node client against the real server jar (see test.js).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ps = require('./paramstream');
const tables = require('./tables');
const { startServer } = require('./server-process');

const SGD = { lr: 0.1, weightDecayCoef: 0.01 };

let server;
let client;

before(async () => {
  // Server defaults differ from the tables' own hyperparameters, so a lost one would show.
  server = await startServer(['--lr', '0.5']);
  client = ps.connect(server.target);
});

after(() => {
  client?.close();
  server?.stop();
});

function assertClose(actual, expected, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i] - e) <= tolerance, `[${i}] ${actual[i]} != ${e}`),
  );
}

const f32 = Math.fround;

test('indexed table: duplicate ids summed, SGD with decay on touched rows, others untouched', async () => {
  const info = await ps.createTable(client, {
    name: 'idx/t', dim: 2, rows: 5, weightDecay: true, ...SGD,
    initializer: { kind: 'uniform', scale: 1, seed: 4 },
  });
  assert.deepEqual([info.dim, info.keyed, info.rows, info.max_rows, info.version], [2, false, 5, 5, 0]);
  assert.equal(info.hyperparameters.learning_rate, 0.1);
  const everything = [0, 1, 2, 3, 4];
  const before = (await ps.pullRows(client, { 'idx/t': everything }))['idx/t'].values;

  const ack = await ps.pushRows(client, {
    'idx/t': { ids: [3, 1, 3], values: [[1, 2], [0.5, 0.5], [1, 0]] },
  });
  assert.deepEqual(ack.table_versions, { 'idx/t': 1 });
  assert.deepEqual(ack.versions, {});

  const after = (await ps.pullRows(client, { 'idx/t': everything }))['idx/t'];
  assert.equal(after.version, 1);
  assert.equal(after.dim, 2);
  const sgd = (theta, grad) => f32(theta - f32(f32(f32(0.1) * grad) + f32(f32(0.1 * 0.01) * theta)));
  const grads = { 1: [0.5, 0.5], 3: [2, 2] };
  everything.forEach((row) => {
    for (let j = 0; j < 2; j++) {
      const theta = before[row * 2 + j];
      const expected = grads[row] ? sgd(theta, grads[row][j]) : theta;
      assert.equal(after.values[row * 2 + j], expected, `row ${row} element ${j}`);
    }
  });
});

test('pullRows answers in request order, repeats included, with pullRowsIfNewer', async () => {
  await ps.createTable(client, { name: 'order/t', dim: 2, rows: 10, lr: 1, weightDecayCoef: 0 });
  const ids = [...Array(10).keys()];
  // lr 1 and gradient -(id, 10 id): row id holds (id, 10 id) afterwards.
  const values = new Float32Array(ids.flatMap((i) => [-i, -10 * i]));
  assert.equal(await ps.pullRowsIfNewer(client, 'order/t', [1], 0), null);
  await ps.pushRows(client, { 'order/t': { ids, values } });
  const got = await ps.pullRowsIfNewer(client, 'order/t', [9, 0, 4, 9], 0);
  assert.equal(got.version, 1);
  assert.deepEqual([...got.values], [9, 90, 0, 0, 4, 40, 9, 90]);
  assert.equal(await ps.pullRowsIfNewer(client, 'order/t', [1], 1), null);
});

test('keyed table: 64-bit ids as BigInt, string or negative number are one row', async () => {
  await ps.createTable(client, {
    name: 'keyed/t', dim: 1, keyed: true, maxRows: 3, lr: 1, weightDecayCoef: 0,
  });
  const top = 2n ** 64n - 1n;
  await ps.pushRows(client, { 'keyed/t': { ids: [top, 2n ** 60n], values: [[-1], [-2]] } });
  const pulled = await ps.pullRows(client, { 'keyed/t': [-1, '18446744073709551615', 2n ** 60n, 7] });
  assert.deepEqual([...pulled['keyed/t'].values], [1, 1, 2, 0]);
  const [info] = await ps.listTables(client, ['keyed/t']);
  assert.deepEqual([info.keyed, info.rows, info.max_rows, info.version], [true, 2, 3, 1]);
  // Two new rows would pass max_rows 3: refused, nothing changes.
  await assert.rejects(
    ps.pushRows(client, { 'keyed/t': { ids: [10, 11], values: [[1], [1]] } }),
    { code: 'RESOURCE_EXHAUSTED' },
  );
  const [still] = await ps.listTables(client, ['keyed/t']);
  assert.deepEqual([still.rows, still.version], [2, 1]);
});

test('rows and dense groups in one push: both versions, or neither applied', async () => {
  await ps.createTable(client, { name: 'mixed/t', dim: 2, rows: 4, lr: 1, weightDecayCoef: 0 });
  await ps.createGroup(client, { name: 'mixed/g', values: [1], weightDecay: false, lr: 1, weightDecayCoef: 0 });
  const rows = { 'mixed/t': { ids: [2], values: [[-1, -1]] } };
  await assert.rejects(ps.pushRows(client, rows, { gradients: { 'mixed/missing': [1] } }), {
    code: 'NOT_FOUND',
  });
  await assert.rejects(
    ps.pushRows(client, { 'mixed/t': { ids: [4], values: [[1, 1]] } }, { gradients: { 'mixed/g': [1] } }),
    { code: 'INVALID_ARGUMENT' },
  );
  await assert.rejects(ps.pushRows(client, { 'mixed/t': { ids: [1], values: [[1, 1, 1]] } }), {
    code: 'INVALID_ARGUMENT',
  });
  await assert.rejects(ps.pushRows(client, { 'mixed/t': { ids: [1], values: [[NaN, 1]] } }), {
    code: 'INVALID_ARGUMENT',
  });
  const untouched = await ps.pullRows(client, { 'mixed/t': [0, 1, 2, 3] });
  assert.equal(untouched['mixed/t'].version, 0);
  assert.equal((await ps.pull(client, ['mixed/g']))['mixed/g'].version, 0);

  const ack = await ps.pushRows(client, rows, { gradients: { 'mixed/g': [1] } });
  assert.deepEqual([ack.versions, ack.table_versions], [{ 'mixed/g': 1 }, { 'mixed/t': 1 }]);
  assert.deepEqual([...(await ps.pullRows(client, { 'mixed/t': [2] }))['mixed/t'].values], [1, 1]);
  assert.deepEqual([...(await ps.pull(client, ['mixed/g']))['mixed/g'].values], [0]);
});

test('a session carries rows beside groups, acked with table versions', async () => {
  await ps.createTable(client, { name: 'session/t', dim: 1, rows: 2, ...SGD });
  const session = ps.openPushSession(client);
  const acks = await Promise.all(
    [1, 2, 3].map(() => session.push({}, { rows: { 'session/t': { ids: [0], values: [1] } } })),
  );
  session.end();
  assert.deepEqual(acks.map((a) => a.table_versions['session/t']), [1, 2, 3]);
});

test('5 MB of rows each way travel in messages under the limit and come back whole', async () => {
  const dim = 64;
  const k = 20000;
  await ps.createTable(client, { name: 'big/t', dim, rows: 1000000, lr: 1, weightDecayCoef: 0 });
  const ids = Array.from({ length: k }, (_, i) => (i * 7919) % 1000000);
  const values = Float32Array.from({ length: k * dim }, (_, i) => (i % 997) - 498);
  await ps.pushRows(client, { 'big/t': { ids, values } });
  const reversed = [...ids].reverse();
  const got = (await ps.pullRows(client, { 'big/t': reversed }))['big/t'];
  assert.equal(got.values.length, k * dim);
  for (let r = 0; r < k; r++) {
    const source = k - 1 - r;
    for (let j = 0; j < dim; j++) {
      if (got.values[r * dim + j] !== -values[source * dim + j]) {
        assert.fail(`row ${r} (id ${reversed[r]}) element ${j}`);
      }
    }
  }
});

test('table errors: codes and nothing changed', async () => {
  await ps.createTable(client, { name: 'err/t', dim: 2, rows: 4 });
  await assert.rejects(ps.createTable(client, { name: 'err/t', dim: 2, rows: 4 }), {
    code: 'ALREADY_EXISTS',
  });
  await assert.rejects(ps.createTable(client, { name: 'err/zero', dim: 0, rows: 4 }), {
    code: 'INVALID_ARGUMENT',
  });
  await assert.rejects(ps.pullRows(client, { 'err/missing': [0] }), { code: 'NOT_FOUND' });
  await assert.rejects(ps.pullRows(client, { 'err/t': [4] }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(ps.deleteTables(client, ['err/t', 'err/missing']), { code: 'NOT_FOUND' });
  assert.equal((await ps.listTables(client, ['err/t'])).length, 1);
  // Mistakes the client sees itself: a TypeError, and nothing is sent.
  await assert.rejects(ps.createTable(client, { name: 'err/k', dim: 2, keyed: true, rows: 3 }), TypeError);
  await assert.rejects(ps.pushRows(client, { 'err/t': { ids: [0, 1], values: [1, 2, 3] } }), TypeError);
  await assert.rejects(ps.pullRows(client, { 'err/t': [1.5] }), TypeError);
  assert.equal((await ps.listTables(client, ['err/t']))[0].version, 0);
  await ps.deleteTables(client, ['err/t']);
  await assert.rejects(ps.listTables(client, ['err/t']), { code: 'NOT_FOUND' });
});

test('setHyperparameters with tables changes them and leaves groups alone', async () => {
  await ps.createTable(client, { name: 'hp/t', dim: 1, rows: 2, weightDecay: true, ...SGD });
  await ps.createGroup(client, { name: 'hp/g', values: [1], weightDecay: true, ...SGD });
  const changed = await ps.setHyperparameters(client, { lr: 1, tables: ['hp/t'] });
  assert.deepEqual(
    changed.map((c) => [c.name, c.hyperparameters.learning_rate, c.hyperparameters.weight_decay]),
    [['hp/t', 1, 0.01]],
  );
  assert.equal((await ps.listGroups(client, ['hp/g']))[0].hyperparameters.learning_rate, 0.1);
  await assert.rejects(ps.setHyperparameters(client, { lr: 2, tables: ['hp/t', 'hp/missing'] }), {
    code: 'NOT_FOUND',
  });
  assert.equal((await ps.listTables(client, ['hp/t']))[0].hyperparameters.learning_rate, 1);
});

test('row ids: numbers, BigInts and strings become the same 64 bits; others are refused', () => {
  assert.deepEqual(tables.rowIds('t', [5, -1, 2n ** 63n, '-2']), [
    5,
    '18446744073709551615',
    '9223372036854775808',
    '18446744073709551614',
  ]);
  for (const bad of [1.5, 2 ** 60, '1e3', 2n ** 64n, true]) {
    assert.throws(() => tables.rowIds('t', [bad]), /table 't': row id/);
  }
});
