'use strict';
// Create, streamed push and pull from Node, with stubs built from the .proto at run time.
// Usage: node clients/node/example.js [host:port]   (a server must be listening there)

const ps = require('./paramstream');

async function main(target) {
  const client = ps.connect(target);
  const sgd = { lr: 0.1, weightDecayCoef: 0.01 };
  try {
    await ps.createGroup(client, { name: 'node/w', values: [1.0, 2.0], weightDecay: true, ...sgd });
    await ps.createGroup(client, { name: 'node/b', values: [0.5], weightDecay: false, ...sgd });

    // Three pushes on one stream, sent before any ack arrives; acks come back in order.
    const session = ps.openPushSession(client);
    const acks = [
      session.push({ 'node/w': [0.1, 0.2], 'node/b': [0.05] }),
      session.push({ 'node/b': [0.05] }),
      session.push({ 'node/w': [NaN, 0.0] }),
    ];
    for (const ack of await Promise.all(acks)) {
      console.log(`push ${ack.push_id}: ${ack.code} ${JSON.stringify(ack.versions)} ${ack.message}`);
    }
    session.end();

    const pulled = await ps.pull(client, ['node/w', 'node/b']);
    for (const [name, group] of Object.entries(pulled)) {
      console.log(`${name} v${group.version} = [${Array.from(group.values).join(', ')}]`);
    }
    return pulled;
  } finally {
    await ps.deleteGroups(client, ['node/w', 'node/b']).catch(() => {});
    client.close();
  }
}

if (require.main === module) {
  main(process.argv[2] ?? '127.0.0.1:50051').catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

module.exports = { main };
