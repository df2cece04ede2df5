'use strict';
// usage: node nodebench.js <client dir> <target> <floats> <seconds>
const ps = require(process.argv[2] + '/paramstream.js');
const [target, floats, seconds] = [process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
async function rate(op, secs) {
  let n = 0; const end = Date.now() + secs * 1000; const t0 = process.hrtime.bigint();
  while (Date.now() < end) { await op(); n++; }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}
(async () => {
  const client = ps.connect(target);
  const name = 'nodebench-' + Math.random().toString(36).slice(2);
  await ps.createGroup(client, { name, values: new Float32Array(floats), weightDecay: true });
  const grad = new Float32Array(floats).fill(1e-3);
  await rate(() => ps.push(client, { [name]: grad }), 2);
  const pushes = await rate(() => ps.push(client, { [name]: grad }), seconds);
  await rate(() => ps.pull(client, [name]), 1);
  const pulls = await rate(() => ps.pull(client, [name]), seconds);
  console.log(`${process.argv[2].includes('wt-nodeold') ? 'before' : 'after '} ${floats} floats: ${pushes.toFixed(1)} pushes/s, ${pulls.toFixed(1)} pulls/s`);
  await ps.deleteGroups(client, [name]);
  client.close();
})();
