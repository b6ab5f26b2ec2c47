// Checks that editors/code/package.json declares exactly the server's settings (plus the
// extension's own keys), with the same types and defaults.
//   node settings_sync.js [keys.json]
// keys.json: the server's settings, as an array of dotted keys below `cml-lsp.` or of
// {key, type?, default?} objects (type as in JSON Schema). Default: editors/code/settings-keys.json.
// Prints one JSON object; exit 1 on a mismatch.
'use strict';
const fs = require('fs');
const path = require('path');
const { isDeepStrictEqual } = require('util');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const keysFile = process.argv[2] || path.join(ROOT, 'editors', 'code', 'settings-keys.json');
const CLIENT_ONLY = ['trace.server', 'server.path', 'server.extraEnv'];
const PREFIX = 'cml-lsp.';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'editors', 'code', 'package.json'), 'utf8'));
const declared = pkg.contributes.configuration.properties;
const server = JSON.parse(fs.readFileSync(keysFile, 'utf8')).map((k) => (typeof k === 'string' ? { key: k } : k));
const errors = [];

for (const name of Object.keys(declared)) {
  if (!name.startsWith(PREFIX)) errors.push(`${name}: not under ${PREFIX}`);
}
const declaredKeys = new Set(Object.keys(declared).map((n) => n.slice(PREFIX.length)));
for (const k of CLIENT_ONLY) {
  if (!declaredKeys.has(k)) errors.push(`package.json lacks the extension setting ${PREFIX}${k}`);
}
const serverKeys = new Set(server.map((s) => s.key));
for (const s of server) {
  const prop = declared[PREFIX + s.key];
  if (!prop) {
    errors.push(`package.json lacks the server setting ${PREFIX}${s.key}`);
    continue;
  }
  if ('type' in s && !isDeepStrictEqual(prop.type, s.type)) {
    errors.push(`${PREFIX}${s.key}: type ${JSON.stringify(prop.type)} in package.json, ${JSON.stringify(s.type)} in the server`);
  }
  if ('default' in s && !isDeepStrictEqual(prop.default, s.default)) {
    errors.push(`${PREFIX}${s.key}: default ${JSON.stringify(prop.default)} in package.json, ${JSON.stringify(s.default)} in the server`);
  }
}
for (const k of declaredKeys) {
  if (!serverKeys.has(k) && !CLIENT_ONLY.includes(k)) {
    errors.push(`package.json declares ${PREFIX}${k}, which the server does not know`);
  }
}
console.log(JSON.stringify({ ok: errors.length === 0, keys_file: keysFile.startsWith(ROOT + path.sep) ? path.relative(ROOT, keysFile) : keysFile, server_keys: serverKeys.size, errors }));
process.exit(errors.length === 0 ? 0 : 1);
