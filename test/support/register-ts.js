// Lets a child process run the TypeScript sources directly (`node -r ./test/support/register-ts.js apps/worker/src/main.ts`),
// compiled by @swc/core like jest does, with the @govflow/* aliases resolved: tests start real worker processes without a build.
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@govflow\/([a-z-]+)(\/.*)?$/.exec(request);
  if (alias) request = path.join(root, 'libs', alias[1], 'src', alias[2] ?? '');
  return resolve.call(this, request, ...rest);
};

addHook(
  (code, filename) =>
    transformSync(code, {
      filename,
      sourceMaps: 'inline',
      jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true },
      module: { type: 'commonjs' },
    }).code,
  { exts: ['.ts'], ignoreNodeModules: true },
);
