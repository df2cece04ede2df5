'use strict';
// The payload codec against the element-by-element form it replaced: the same bytes both ways.

const test = require('node:test');
const assert = require('node:assert');
const floats = require('./floats');

const EDGES = [0, -0, 1, -1.5, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 1.17549435e-38,
  0.1, 1 / 3, Math.PI, 123456789.123, -2.5e-40];

function slowEncode(values) {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
  return buffer;
}

test('encode: plain arrays and Float32Arrays give the element-by-element bytes', () => {
  const random = Array.from({ length: 10_001 }, (_, i) => Math.sin(i) * 10 ** ((i % 60) - 30));
  for (const values of [EDGES, random, new Float32Array(random), new Float32Array(random).subarray(3, 7000), []]) {
    assert.deepStrictEqual(floats.encode(values), slowEncode(Array.from(values)));
  }
});

test('encode: the bytes are a copy, so the caller may reuse its array at once', () => {
  const values = new Float32Array([1, 2, 3]);
  const bytes = floats.encode(values);
  values[0] = 9;
  assert.strictEqual(bytes.readFloatLE(0), 1);
});

test('decodeInto: aligned and unaligned buffers decode to the same floats, at the offset', () => {
  const values = Float32Array.from(EDGES);
  const bytes = slowEncode(EDGES);
  for (const shift of [0, 1, 2, 3]) {
    // The payload at byte `shift` of a larger buffer, as protobuf hands out slices.
    const backing = Buffer.alloc(bytes.length + 8);
    bytes.copy(backing, shift);
    const slice = backing.subarray(shift, shift + bytes.length);
    const target = new Float32Array(values.length + 5).fill(7);
    assert.strictEqual(floats.decodeInto(slice, target, 2), values.length);
    assert.deepStrictEqual(target.subarray(2, 2 + values.length), values, `shift ${shift}`);
    assert.deepStrictEqual(Array.from(target.subarray(0, 2)), [7, 7]);
    assert.deepStrictEqual(Array.from(target.subarray(2 + values.length)), [7, 7, 7]);
  }
});

test('decodeInto: a payload that is not whole floats is refused naming its length', () => {
  assert.throws(() => floats.decodeInto(Buffer.alloc(7), new Float32Array(2), 0), /7 bytes/);
});
