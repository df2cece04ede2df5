// Validates Kubernetes manifests against the API's JSON schemas (generated from the Kubernetes
// OpenAPI spec by the kubernetes-models package). Usage: node validate.mjs FILE.yaml...
// Exits non-zero, naming the file, object and field, if any object does not validate.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// kind -> the module exporting its model, for the kinds this project ships.
const models = {
  "v1/Service": ["kubernetes-models/v1/Service", "Service"],
  "apps/v1/StatefulSet": ["kubernetes-models/apps/v1/StatefulSet", "StatefulSet"],
  "batch/v1/Job": ["kubernetes-models/batch/v1/Job", "Job"],
};

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      failures++;
      continue;
    }
    const object = doc.toJS();
    if (object == null) continue;
    const key = `${object.apiVersion}/${object.kind}`;
    const entry = models[key];
    if (!entry) {
      console.error(`${file}: no schema wired up for ${key}`);
      failures++;
      continue;
    }
    const module = await import(entry[0]);
    try {
      new module[entry[1]](object).validate();
      checked++;
      console.log(`ok   ${file}: ${key} ${object.metadata?.name}`);
    } catch (e) {
      failures++;
      console.error(`FAIL ${file}: ${key} ${object.metadata?.name}: ${e.message}`);
    }
  }
}
console.log(`${checked} object(s) valid, ${failures} failure(s)`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);
