'use strict';
// The package as npm publishes it: `npm pack`, then `npm install <tgz>` in a fresh folder outside
// the repository (dependencies from the registry), and a script there using it against the server.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { startServer } = require('./server-process');

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SCRIPT = `
const ps = require('@paramstream/client');
async function main(target) {
  const client = ps.connect(target);
  await ps.createGroup(client, { name: 'pkg/w', values: [1, 2], weightDecay: true, lr: 0.1, weightDecayCoef: 0.01 });
  await ps.push(client, { 'pkg/w': [0.1, 0.2] });
  const w = (await ps.pull(client, ['pkg/w']))['pkg/w'];
  console.log(\`w version \${w.version}: \${w.values[0].toFixed(3)} \${w.values[1].toFixed(3)}\`);
  client.close();
}
main(process.argv[2]).catch((err) => { console.error(err); process.exitCode = 1; });
`;

let server;
let work;
let log;

before(async () => {
  server = await startServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'paramstream-node-package-'));
  log = path.join(work, 'commands.log');
});

after(() => {
  server?.stop();
});

/** Runs a command, appending its output to the log; on failure the error quotes the log. */
async function run(file, args, cwd) {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { cwd, timeout: 120000 });
    fs.appendFileSync(log, `$ ${file} ${args.join(' ')}\n${stdout}${stderr}\n`);
    return stdout;
  } catch (err) {
    fs.appendFileSync(log, `$ ${file} ${args.join(' ')}\n${err.stdout}${err.stderr}\n`);
    throw new Error(`${file} ${args.join(' ')} failed; log:\n${fs.readFileSync(log, 'utf8')}`);
  }
}

test('npm pack output installs in a fresh folder and talks to the server', async () => {
  const packed = await run(NPM, ['pack', '--silent', '--pack-destination', work], __dirname);
  const tgz = path.join(work, packed.trim().split('\n').pop());
  fs.writeFileSync(path.join(work, 'package.json'), '{"name": "outside", "private": true}\n');
  await run(NPM, ['install', '--no-audit', '--no-fund', tgz], work);

  const installed = path.join(work, 'node_modules/@paramstream/client');
  // The client (its two modules), its types and the contract; no tests or examples.
  const files = fs.readdirSync(installed).sort();
  assert.deepEqual(files, ['floats.js', 'index.d.ts', 'package.json', 'paramstream.js', 'proto', 'tables.js']);
  assert.ok(fs.existsSync(path.join(installed, 'proto/paramstream/v1/parameter_server.proto')));
  // postpack removed the copy, so the repository reads the .proto itself again.
  assert.ok(!fs.existsSync(path.join(__dirname, 'proto')));

  fs.writeFileSync(path.join(work, 'main.js'), SCRIPT);
  const output = await run(process.execPath, ['main.js', server.target], work);
  assert.match(output, /w version 1: 0\.989 1\.978/);
  fs.rmSync(work, { recursive: true, force: true });
});
