'use strict';
// Sparse tables: conversions between JavaScript rows and the contract's table messages (see
// TableInfo in the .proto). paramstream.js's table functions use these; nothing here talks to
// the network.

const floats = require('./floats');

const MIN_ID = -(2n ** 63n);
const MAX_ID = 2n ** 64n - 1n;

/** An input mistake found before anything is sent: a TypeError naming the table. */
function misuse(table, message) {
  return new TypeError(`table '${table}': ${message}`);
}

/**
 * One row id as protobufjs takes a fixed64: a non-negative safe integer as it is, anything else
 * as the decimal string of its unsigned 64 bits (a negative id is its two's complement). Accepts
 * numbers, BigInts and decimal strings; a negative id means its 64-bit two's complement.
 */
function rowId(table, id) {
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id)) {
      throw misuse(table, `row id ${id} is not an integer within 2^53; pass larger ids as BigInt`);
    }
    return id >= 0 ? id : BigInt.asUintN(64, BigInt(id)).toString();
  }
  if (typeof id !== 'bigint' && !(typeof id === 'string' && /^-?\d+$/.test(id))) {
    throw misuse(table, `row id ${String(id)} is not an integer number, BigInt or decimal string`);
  }
  const big = BigInt(id);
  if (big < MIN_ID || big > MAX_ID) {
    throw misuse(table, `row id ${id} does not fit in 64 bits`);
  }
  return BigInt.asUintN(64, big).toString();
}

function rowIds(table, ids) {
  if (ids == null || typeof ids.length !== 'number') {
    throw misuse(table, 'ids must be an array or typed array');
  }
  return Array.from(ids, (id) => rowId(table, id));
}

/**
 * A gradient's rows as one Float32Array of k * dim values and its dim. Takes either k arrays of
 * dim numbers, or a flat array (Float32Array, ...) of k * dim values.
 */
function rowValues(table, values, count) {
  if (values == null || typeof values.length !== 'number') {
    throw misuse(table, 'values must be an array of rows or a flat array of k * dim values');
  }
  if (values.length > 0 && typeof values[0] === 'object') {
    if (values.length !== count) {
      throw misuse(table, `${values.length} rows for ${count} ids`);
    }
    const dim = values[0].length;
    const flat = new Float32Array(count * dim);
    values.forEach((row, i) => {
      if (row.length !== dim) {
        throw misuse(table, `row ${i} has ${row.length} values, row 0 has ${dim}`);
      }
      flat.set(row, i * dim);
    });
    return { dim, flat };
  }
  if (count === 0 ? values.length !== 0 : values.length % count !== 0) {
    throw misuse(table, `${values.length} values are not k * dim for k = ${count} ids`);
  }
  const flat = floats.toFloat32(values);
  return { dim: count === 0 ? 0 : flat.length / count, flat };
}

const INITIALIZER_KINDS = { zeros: 'ZEROS', uniform: 'UNIFORM', normal: 'NORMAL' };

/** The CreateTableRequest for createTable's options. */
function createTableRequest({
  name,
  dim,
  rows,
  keyed = false,
  maxRows,
  weightDecay = false,
  hyperparameters,
  optimizer,
  initializer,
}) {
  if (keyed && rows !== undefined) {
    throw misuse(name, 'a keyed table creates rows on first touch; give maxRows, not rows');
  }
  if (!keyed && (rows === undefined || maxRows !== undefined)) {
    throw misuse(name, 'an indexed table needs rows (and no maxRows)');
  }
  const count = keyed ? maxRows ?? 0 : rows;
  const request = { name, dim, keyed, rows: count, weight_decay: weightDecay };
  if (hyperparameters !== undefined) {
    request.hyperparameters = hyperparameters;
  }
  if (optimizer !== undefined) {
    request.optimizer = optimizer;
  }
  if (initializer !== undefined) {
    const { kind = 'zeros', scale = 0, seed = 0 } = initializer;
    if (!(kind in INITIALIZER_KINDS)) {
      throw misuse(name, `initializer kind must be zeros, uniform or normal, got ${kind}`);
    }
    request.initializer = { kind: INITIALIZER_KINDS[kind], scale, seed: rowId(name, seed) };
  }
  return request;
}

/**
 * Puts RowChunks back into one Float32Array of k * dim per table, in the order of the ids asked
 * for. `wanted` maps a table to its id count. add() returns an error message for a chunk that does
 * not fit, and result() one for a table left incomplete.
 */
function rowAssembler(wanted) {
  const partial = {};
  const done = {};
  return {
    add(chunk) {
      const table = chunk.table;
      if (!(table in wanted) || table in done) {
        return `unexpected rows of table '${table}'`;
      }
      if (chunk.not_modified) {
        done[table] = null;
        return null;
      }
      if (chunk.offset === 0 && !(table in partial)) {
        const values = new Float32Array(wanted[table] * chunk.dim);
        partial[table] = { version: chunk.version, dim: chunk.dim, values, filled: 0 };
      }
      const entry = partial[table];
      const count = chunk.ids.length;
      if (!entry || entry.version !== chunk.version || entry.filled !== chunk.offset ||
          chunk.values.length !== count * entry.dim * 4) {
        return `rows of table '${table}' out of order at offset ${chunk.offset}`;
      }
      floats.decodeInto(chunk.values, entry.values, chunk.offset * entry.dim);
      entry.filled += count;
      if (entry.filled === wanted[table]) {
        delete partial[table];
        done[table] = { version: entry.version, dim: entry.dim, values: entry.values };
      }
      return null;
    },
    result() {
      const missing = Object.keys(wanted).filter((t) => !(t in done));
      return missing.length > 0 ? `the answer ended before the rows of ${missing}` : done;
    },
  };
}

module.exports = { createTableRequest, rowAssembler, rowIds, rowValues };
