'use strict';
// Starts the real server jar (PARAMSTREAM_SERVER_JAR, or the one the server module built) on a
// free port for the tests; resolves to {target, stop()}.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const REPO_ROOT = path.resolve(__dirname, '../..');

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

async function startServer(args = []) {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin/java') : 'java';
  const server = spawn(java, ['-jar', serverJar(), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const target = await new Promise((resolve, reject) => {
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
  return { target, stop: () => server.kill('SIGTERM') };
}

module.exports = { startServer };
