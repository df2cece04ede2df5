'use strict';
// npm pack: copies the contract into proto/ so the package carries it (prepack), and removes the
// copy afterwards (postpack), so that in the repository the client always reads the .proto itself.

const fs = require('node:fs');
const path = require('node:path');

const FILE = 'paramstream/v1/parameter_server.proto';
const source = path.resolve(__dirname, '../../proto/src/main/proto', FILE);
const copy = path.join(__dirname, 'proto');

fs.rmSync(copy, { recursive: true, force: true });
if (process.argv[2] !== '--remove') {
  fs.mkdirSync(path.dirname(path.join(copy, FILE)), { recursive: true });
  fs.copyFileSync(source, path.join(copy, FILE));
}
