/**
 * Architecture rules checked by `npm run lint:deps` (and so by `npm test`).
 *
 * libs/domain is the workflow itself: pure TypeScript, no framework, no database, no
 * network. It may import its own files and Node built-ins that do no I/O over the network
 * (node:crypto for SHA-256). Everything else (Nest, TypeORM, pg, BullMQ, ioredis, express,
 * http/https, other libs, apps) is refused, so the deciders stay testable without mocks.
 */
const { builtinModules } = require('node:module');

/** Built-ins the domain must not reach for: HTTP and raw networking. */
const NETWORK_BUILTINS = new Set(['http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns']);
const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const allowedBuiltins = builtinModules
  .map((name) => name.replace(/^node:/, ''))
  .filter((name) => !NETWORK_BUILTINS.has(name.split('/')[0]))
  .map(escape);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'libs/domain must stay pure: it may depend only on its own files and non-network Node built-ins ' +
        '(node:crypto ...), never on @nestjs/*, typeorm, pg, bullmq, ioredis, express, node:http/https or ' +
        'any other lib or app. Move the I/O to a handler in the lib that owns it.',
      from: { path: '^libs/domain/' },
      to: {
        pathNot: ['^libs/domain/', `^(node:)?(${allowedBuiltins.join('|')})$`],
      },
    },
    {
      name: 'domain-no-circular',
      severity: 'error',
      comment: 'Files in libs/domain must not depend on each other in a cycle.',
      from: { path: '^libs/domain/' },
      to: { path: '^libs/domain/', circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage|\\.data)/' },
    // type-only imports count: the domain must not even name Nest or TypeORM types.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
