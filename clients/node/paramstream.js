'use strict';
// A few helpers over stubs that @grpc/proto-loader builds from the project's .proto at run time:
// no generated code, so the .proto alone is the contract.

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const floats = require('./floats');
const tables = require('./tables');

const CONTRACT = 'paramstream/v1/parameter_server.proto';
// In the repository the client reads the contract itself; the published package carries a copy
// (npm pack makes it, see copy-proto.js), which a pack running meanwhile must not shadow.
const REPO_PROTO = path.resolve(__dirname, '../../proto/src/main/proto');
const PROTO_ROOT = fs.existsSync(path.join(REPO_PROTO, CONTRACT))
  ? REPO_PROTO
  : path.join(__dirname, 'proto');
// The contract asks clients to send values in chunks of at most 1 MiB.
const MAX_SLICE_BYTES = 1024 * 1024;
const MAX_SLICE_FLOATS = MAX_SLICE_BYTES / 4;

const definition = protoLoader.loadSync(CONTRACT, {
  includeDirs: [PROTO_ROOT],
  keepCase: true, // field names as in the .proto (push_id, if_newer_than)
  longs: Number, // versions and sizes stay far below 2^53
  defaults: true,
  oneofs: true,
});
const { ParameterServer } = grpc.loadPackageDefinition(definition).paramstream.v1;

// PushAck.code is a gRPC status number; report it by name, as failed calls are.
const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

class ParamstreamError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = message;
  }
}

function fromGrpcError(err) {
  return new ParamstreamError(CODE_NAMES[err.code] ?? String(err.code), err.details ?? err.message);
}

/**
 * A client of the server at `target` (host:port). `credentials` (grpc.credentials.createSsl(...))
 * connects over TLS; `token` sends `authorization: Bearer <token>` with every call, over TLS or
 * plaintext. Close it with client.close().
 */
function connect(target, { credentials, token } = {}) {
  const options = {};
  if (token !== undefined) {
    options.interceptors = [bearerToken(token)];
  }
  return new ParameterServer(target, credentials ?? grpc.credentials.createInsecure(), options);
}

function bearerToken(token) {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

function deadline(seconds = 30) {
  return new Date(Date.now() + seconds * 1000);
}

/** Creates a group, streaming its initial values in slices; resolves to its GroupInfo. */
function createGroup(client, { name, values, weightDecay, lr, weightDecayCoef }) {
  return new Promise((resolve, reject) => {
    const call = client.CreateGroup({ deadline: deadline() }, (err, response) =>
      err ? reject(fromGrpcError(err)) : resolve(response.group),
    );
    // Converted once and cut into views: encode copies each slice's bytes once.
    const all = floats.toFloat32(values);
    for (let offset = 0; offset < Math.max(values.length, 1); offset += MAX_SLICE_FLOATS) {
      const message = {
        offset,
        initial_values: floats.encode(all.subarray(offset, offset + MAX_SLICE_FLOATS)),
      };
      if (offset === 0) {
        Object.assign(message, { name, size: values.length, weight_decay: weightDecay });
        if (lr !== undefined || weightDecayCoef !== undefined) {
          // Both fields have presence: one left out takes the server's default.
          message.hyperparameters = hyperparameters(lr, weightDecayCoef);
        }
      }
      call.write(message);
    }
    call.end();
  });
}

/**
 * The messages of one push: at most 1 MiB of payload each, all but the last `continued`; the
 * worker id and sequence (exactly-once) and the base version (bounded staleness) ride on the
 * first. `gradients` are dense groups ({group: values}), `rows` table rows ({table: {ids,
 * values}}, see pushRows); one push may carry both.
 */
function pushMessages(pushId, gradients, { workerId, sequence, baseVersion, rows = {} } = {}) {
  const first = { push_id: pushId, gradients: [], rows: [] };
  if (workerId !== undefined) {
    if (!(sequence > 0)) {
      throw new ParamstreamError('INVALID_ARGUMENT', 'an exactly-once push needs a sequence > 0');
    }
    Object.assign(first, { worker_id: workerId, sequence });
  }
  if (baseVersion !== undefined) {
    first.base_version = baseVersion;
  }
  const messages = [first];
  let room = MAX_SLICE_BYTES;
  // An empty message takes anything, even a row larger than the budget.
  const makeRoom = (needed) => {
    if (room < needed && room < MAX_SLICE_BYTES) {
      messages.push({ push_id: pushId, gradients: [], rows: [] });
      room = MAX_SLICE_BYTES;
    }
    return messages[messages.length - 1];
  };
  for (const [group, values] of Object.entries(gradients)) {
    // Converted once and cut into views: encode copies each slice's bytes once.
    const all = floats.toFloat32(values);
    let offset = 0;
    // At least one slice per group, even an empty one, so the server reports a bad length.
    do {
      const message = makeRoom(4);
      const part = all.subarray(offset, offset + Math.floor(room / 4));
      message.gradients.push({ group, offset, values: floats.encode(part) });
      offset += part.length;
      room -= 4 * part.length;
    } while (offset < all.length);
  }
  for (const [table, { ids, values }] of Object.entries(rows)) {
    const wire = tables.rowIds(table, ids);
    const { dim, flat } = tables.rowValues(table, values, wire.length);
    // A row never spans messages (RowSlice has no offset inside a row). A table with no ids
    // still gets a slice, so the server checks its name.
    const rowBytes = 8 + 4 * dim;
    let start = 0;
    do {
      const message = wire.length > 0 ? makeRoom(rowBytes) : messages[messages.length - 1];
      const end = start + Math.min(wire.length - start, Math.max(1, Math.floor(room / rowBytes)));
      const part = flat.subarray(start * dim, end * dim);
      message.rows.push({ table, ids: wire.slice(start, end), values: floats.encode(part) });
      room -= (end - start) * rowBytes;
      start = end;
    } while (start < wire.length);
  }
  messages.forEach((m, i) => (m.continued = i < messages.length - 1));
  return messages;
}

/**
 * Opens one Push stream; with `maxInFlight`, at most that many pushes are unanswered by the
 * server and later ones wait, unsent, for an ack. `push(gradients, options)` sends a push and
 * resolves to its ack ({push_id, code: 'OK' | status name, message, versions: {group: version},
 * duplicate, table_versions: {table: version}}) in push order; `end()` half-closes the stream.
 * Options {rows: {table: {ids, values}}} add table rows to the push (see pushRows). With options
 * {workerId, sequence} the server applies the push at most once per (worker, sequence), so it may be sent again, on this stream or a new one,
 * after a failure (asynchronous mode); {baseVersion} is for bounded staleness.
 */
function openPushSession(client, seconds = 30, { maxInFlight = Infinity } = {}) {
  const call = client.Push({ deadline: deadline(seconds) });
  const waiting = [];
  // With maxInFlight, pushes past the window wait here, unsent, until an ack frees a place.
  const held = [];
  let inFlight = 0;
  let ending = false; // end() was called
  let ended = false; // and the stream is half-closed
  let nextId = 1;
  let failure = null;
  const send = (messages) => {
    inFlight++;
    messages.forEach((m) => call.write(m));
  };
  const endOnceSent = () => {
    if (ending && !ended && held.length === 0) {
      ended = true;
      call.end();
    }
  };
  call.on('data', (ack) => {
    const versions = Object.fromEntries(ack.versions.map((v) => [v.group, v.version]));
    const tableVersions = Object.fromEntries(ack.table_versions.map((v) => [v.group, v.version]));
    inFlight--;
    while (held.length > 0 && inFlight < maxInFlight) {
      send(held.shift());
    }
    endOnceSent();
    const next = waiting.shift();
    if (next) {
      next.resolve({
        push_id: ack.push_id,
        code: CODE_NAMES[ack.code],
        message: ack.message,
        versions,
        duplicate: ack.duplicate,
        table_versions: tableVersions,
      });
    }
  });
  call.on('error', (err) => {
    failure = fromGrpcError(err);
    held.splice(0);
    waiting.splice(0).forEach((w) => w.reject(failure));
  });
  call.on('end', () => {
    waiting.splice(0).forEach((w) => w.reject(new ParamstreamError('INTERNAL', 'push stream ended early')));
  });
  return {
    push(gradients, options) {
      if (failure) {
        return Promise.reject(failure);
      }
      let messages;
      try {
        messages = pushMessages(nextId, gradients, options);
      } catch (err) {
        return Promise.reject(err);
      }
      nextId++;
      const ack = new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      if (inFlight < maxInFlight) {
        send(messages);
      } else {
        held.push(messages);
      }
      return ack;
    },
    /** Pushes sent and not answered yet by the server (at most maxInFlight). */
    get inFlight() {
      return inFlight;
    },
    /** Half-closes the stream once every push, held ones included, is sent. */
    end() {
      ending = true;
      endOnceSent();
    },
  };
}

/**
 * One push on its own stream; resolves to {group: version} or rejects with the ack's code.
 * `options` as for a session's push ({workerId, sequence} makes it exactly-once).
 */
async function push(client, gradients, options) {
  const session = openPushSession(client);
  try {
    const ack = await session.push(gradients, options);
    if (ack.code !== 'OK') {
      throw new ParamstreamError(ack.code, ack.message);
    }
    return ack.versions;
  } finally {
    session.end();
  }
}

/** A consistent snapshot: resolves to {name: {version, values: Float32Array}}. */
function pull(client, names) {
  return pullSelected(
    client,
    names.map((name) => ({ name })),
  );
}

/** Resolves to the group's {version, values} if its version is greater than `version`, else null. */
async function pullIfNewer(client, name, version) {
  const groups = await pullSelected(client, [{ name, if_newer_than: version }]);
  return groups[name] ?? null;
}

function pullSelected(client, selectors) {
  return new Promise((resolve, reject) => {
    const groups = {};
    const call = client.Pull({ groups: selectors }, { deadline: deadline() });
    call.on('data', (chunk) => {
      if (chunk.not_modified) {
        return;
      }
      if (chunk.offset === 0) {
        groups[chunk.name] = { version: chunk.version, values: new Float32Array(chunk.size) };
      }
      decodeInto(chunk, groups[chunk.name].values);
    });
    call.on('error', (err) => reject(fromGrpcError(err)));
    call.on('end', () => resolve(groups));
  });
}

/** A Hyperparameters message with only the fields given (the others keep or default). */
function hyperparameters(lr, weightDecayCoef) {
  const message = {};
  if (lr !== undefined) {
    message.learning_rate = lr;
  }
  if (weightDecayCoef !== undefined) {
    message.weight_decay = weightDecayCoef;
  }
  return message;
}

/**
 * Changes hyperparameters at run time: only what is given changes, so a learning-rate schedule
 * passes `lr` alone and every group keeps its weight decay. `names` (groups) and `tables` both
 * empty change every group and every table; naming only tables leaves the groups alone.
 * Resolves to the changed groups' GroupInfo followed by the changed tables' TableInfo.
 */
function setHyperparameters(client, { lr, weightDecayCoef, names = [], tables: tableNames = [] }) {
  const request = {
    names,
    tables: tableNames,
    hyperparameters: hyperparameters(lr, weightDecayCoef),
  };
  return unary(client, 'SetHyperparameters', request).then((r) => [...r.groups, ...r.tables]);
}

/** A unary call with the default deadline, resolving to its response. */
function unary(client, method, request) {
  return new Promise((resolve, reject) =>
    client[method](request, { deadline: deadline() }, (err, response) =>
      err ? reject(fromGrpcError(err)) : resolve(response),
    ),
  );
}

/**
 * Creates a sparse table of rows of `dim` floats; resolves to its TableInfo. Indexed (the
 * default): `rows` rows with ids 0..rows-1, all set by the initializer now. Keyed (`keyed: true`):
 * rows addressed by any 64-bit id, each created by the initializer on the first push touching it,
 * at most `maxRows` of them (left out: no limit of the table's own). `weightDecay` is the decay
 * flag; `lr` and `weightDecayCoef` left out take the server's defaults; `optimizer` is an
 * Optimizer message ({kind: 'ADAM', beta1, ...}; plain SGD when left out); `initializer` is
 * {kind: 'zeros' | 'uniform' | 'normal', scale, seed} (zeros when left out).
 */
function createTable(client, { lr, weightDecayCoef, ...options }) {
  let request;
  try {
    const given = lr !== undefined || weightDecayCoef !== undefined;
    request = tables.createTableRequest({
      ...options,
      hyperparameters: given ? hyperparameters(lr, weightDecayCoef) : undefined,
    });
  } catch (err) {
    return Promise.reject(err);
  }
  return unary(client, 'CreateTable', request).then((r) => r.table);
}

/** Resolves to the TableInfo of the named tables (every table when none is named). */
function listTables(client, names = []) {
  return unary(client, 'ListTables', { names }).then((r) => r.tables);
}

/** Deletes the named tables, or none of them if any is unknown (NOT_FOUND). */
function deleteTables(client, names) {
  return unary(client, 'DeleteTables', { names }).then(() => undefined);
}

/**
 * One push of table rows, and optionally dense groups, applied atomically. `rows` maps a table to
 * {ids, values}: k row ids (numbers, BigInts or decimal strings; negative ones mean their 64-bit
 * two's complement) and the gradient rows, as k arrays of dim numbers or one flat array
 * (Float32Array) of k * dim. Rows of one id are summed by the server. Resolves to the ack
 * ({versions, table_versions, ...}) or rejects with its code, nothing changed. `options` as for a
 * session's push, plus `gradients` for dense groups.
 */
async function pushRows(client, rows, { gradients = {}, ...options } = {}) {
  const session = openPushSession(client);
  try {
    const ack = await session.push(gradients, { ...options, rows });
    if (ack.code !== 'OK') {
      throw new ParamstreamError(ack.code, ack.message);
    }
    return ack;
  } finally {
    session.end();
  }
}

/**
 * Rows of tables as one consistent snapshot: `rows` maps a table to the ids to read (any order,
 * repeats allowed). Resolves to {table: {version, dim, values}}, `values` a Float32Array of
 * k * dim with row i at [i * dim, (i + 1) * dim) for the i-th id asked for. A keyed table answers
 * an id it never saw with the row its initializer would give, without creating it.
 */
function pullRows(client, rows) {
  return pullRowsSelected(client, rows, {});
}

/** The table's rows ({version, dim, values}) if newer than `version`, else null. */
async function pullRowsIfNewer(client, table, ids, version) {
  const pulled = await pullRowsSelected(client, { [table]: ids }, { [table]: version });
  return pulled[table];
}

function pullRowsSelected(client, rows, ifNewerThan) {
  let selectors;
  try {
    selectors = Object.entries(rows).map(([table, ids]) => {
      const selector = { table, ids: tables.rowIds(table, ids) };
      if (ifNewerThan[table] !== undefined) {
        selector.if_newer_than = ifNewerThan[table];
      }
      return selector;
    });
  } catch (err) {
    return Promise.reject(err);
  }
  const assembler = tables.rowAssembler(
    Object.fromEntries(selectors.map((s) => [s.table, s.ids.length])),
  );
  return new Promise((resolve, reject) => {
    const call = client.PullRows({ tables: selectors }, { deadline: deadline() });
    let failed = false;
    call.on('data', (chunk) => {
      const problem = failed ? null : assembler.add(chunk);
      if (problem) {
        failed = true;
        call.cancel();
        reject(new ParamstreamError('INTERNAL', problem));
      }
    });
    call.on('error', (err) => failed || reject(fromGrpcError(err)));
    call.on('end', () => {
      const result = assembler.result();
      return typeof result === 'string'
        ? reject(new ParamstreamError('INTERNAL', result))
        : resolve(result);
    });
  });
}

/** Resolves to the GroupInfo of the named groups (every group when none is named). */
function listGroups(client, names = []) {
  return unary(client, 'ListGroups', { names }).then((r) => r.groups);
}

/** Copies a chunk's values into place; returns how many floats it held. */
function decodeInto(chunk, values) {
  return floats.decodeInto(chunk.values, values, chunk.offset);
}

/**
 * Watches groups, one consistent set per call of onSet({name: {version, values}}): first every
 * group, then the groups that changed, all at the versions of one applied state of the server (a
 * push of several groups is in a set entirely or not at all). If onSet returns a promise, reading
 * pauses until it settles, and the server then sends the latest set instead of a backlog. onError
 * gets a ParamstreamError when the watch ends other than by cancel(). Returns {cancel()}.
 */
function watch(client, names, onSet, onError = () => {}) {
  const call = client.Watch({ groups: names.map((name) => ({ name })) });
  let cancelled = false;
  let set = {};
  let group = null;
  const fail = (err) => {
    if (!cancelled) {
      cancelled = true;
      call.cancel();
      onError(err);
    }
  };
  call.on('data', (chunk) => {
    if (!chunk.not_modified && chunk.values.length > 0) {
      if (chunk.offset === 0) {
        const values = new Float32Array(chunk.size);
        group = { name: chunk.name, version: chunk.version, values, filled: 0 };
      }
      if (!group || group.name !== chunk.name || group.filled !== chunk.offset) {
        const where = `${chunk.name} at ${chunk.offset}`;
        fail(new ParamstreamError('INTERNAL', `chunk of ${where} out of order`));
        return;
      }
      group.filled += decodeInto(chunk, group.values);
      if (group.filled === group.values.length) {
        set[group.name] = { version: group.version, values: group.values };
        group = null;
      }
    }
    if (!chunk.end_of_pull || Object.keys(set).length === 0 || cancelled) {
      return;
    }
    const done = set;
    set = {};
    const result = onSet(done);
    if (result && typeof result.then === 'function') {
      call.pause();
      result.then(() => call.resume(), fail);
    }
  });
  call.on('error', (err) => {
    if (!cancelled) {
      cancelled = true;
      onError(fromGrpcError(err));
    }
  });
  return {
    cancel() {
      cancelled = true;
      call.cancel();
    },
  };
}

/** Deletes the named groups, or none of them if any is unknown (NOT_FOUND). */
function deleteGroups(client, names) {
  return unary(client, 'DeleteGroups', { names }).then(() => undefined);
}

module.exports = {
  ParamstreamError,
  connect,
  createGroup,
  createTable,
  deleteGroups,
  deleteTables,
  encode: floats.encode,
  listGroups,
  listTables,
  openPushSession,
  pull,
  pullIfNewer,
  pullRows,
  pullRowsIfNewer,
  push,
  pushRows,
  setHyperparameters,
  watch,
};
