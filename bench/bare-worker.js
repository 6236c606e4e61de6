// The bare BullMQ loop's worker in a process of its own, for the notifications benchmark's
// context row: the same no-op processor and concurrency as the in-process bare loop, but with
// the queue on one side of a process boundary and the worker on the other, as govflow's relay
// (in the API process) and worker are. It reads "expect N" lines on stdin and answers "ready"
// when it has started over and "done" once N more jobs have completed.
const { createInterface } = require('node:readline');
const { Worker } = require('bullmq');

const [redisUrl, prefix, name, concurrency] = process.argv.slice(2);
const url = new URL(redisUrl);
const connection = {
  host: url.hostname,
  port: Number(url.port || 6379),
  ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
  maxRetriesPerRequest: null,
};

let expected = Infinity;
let completed = 0;
const worker = new Worker(name, async () => undefined, { connection, prefix, concurrency: Number(concurrency) });
worker.on('completed', () => {
  if (++completed === expected) process.stdout.write('done\n');
});

worker.waitUntilReady().then(() => {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [word, n] = line.split(' ');
    if (word !== 'expect') return;
    completed = 0;
    expected = Number(n);
    process.stdout.write('ready\n');
  });
  process.stdout.write('started\n');
});
process.stdin.on('end', () => worker.close().then(() => process.exit(0)));
