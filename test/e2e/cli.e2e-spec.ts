import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TestTable, bearer, createTable, planBody, startApi } from '../support/app';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REBUILD_NODE_FLAGS } from '@govflow/plans/rebuild/rebuild-process';
import { ROOT, gone, isAlive, run, runCli } from '../support/processes';
import { scratchDatabase } from '../support/scratch-database';

const cli = runCli;

describe('the govflow CLI', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;

  beforeAll(async () => {
    app = await startApi({ REDIS_URL: undefined });
    http = request(app.getHttpServer());
    t = await createTable(app);
  });
  afterAll(() => app.close());

  it('creates an actor whose token works once shown, and refuses an unknown institution with exit 2', async () => {
    const made = await cli(['actors', 'create', '--name', 'Ana Pérez', '--entity', t.members[0], '--roles', 'official']);
    expect(made.code).toBe(0);
    const token = /token .*: (\S+)/.exec(made.stdout)![1];
    await http.get('/v1/entities').set(bearer(token)).expect(200);
    const bad = await cli(['actors', 'create', '--name', 'X', '--entity', 'NO-SUCH-ONE', '--roles', 'official']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('No existe la institución NO-SUCH-ONE');
    expect((await cli(['actors', 'create', '--name', 'X', '--entity', t.members[0], '--roles', 'root'])).code).toBe(2);
  });

  it('replays a plan as it was at a date', async () => {
    const drafter = bearer(t.tokens[t.members[0]]);
    const plan = (await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201)).body;
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await http.post(`/v1/plans/${plan.id}/actions/submit`).set(drafter).expect(200);
    const then = await cli(['replay', plan.id, '--at', between]);
    expect(then.code).toBe(0);
    expect(JSON.parse(then.stdout)).toMatchObject({ id: plan.id, status: 'draft', version: 1 });
    const before = await cli(['replay', plan.id, '--at', '2000-01-01']);
    expect(before.code).toBe(1);
    expect((await cli(['replay', plan.id])).code).toBe(2);
  });

  it('rebuilds the read models in a process with a larger young generation, started by itself', async () => {
    const db = await scratchDatabase('govflow_cli_rebuild');
    try {
      const rebuilt = await cli(['rebuild-projections'], { DATABASE_URL: db.url });
      expect(rebuilt).toMatchObject({ code: 0, stderr: '' });
      expect(rebuilt.stdout.trim()).toBe('reconstruidos / rebuilt: 0 planes, 0 tareas');
    } finally {
      await db.drop();
    }
    // The relaunch itself: a process without the flags runs again with them, before its script.
    const probe = `const { relaunchWithNodeFlags } = require(${JSON.stringify(join(ROOT, 'libs/plans/src/rebuild/rebuild-process.ts'))});
      relaunchWithNodeFlags(${JSON.stringify(REBUILD_NODE_FLAGS)}).then((code) => {
        if (code === undefined) console.log(process.execArgv.filter((a) => a.startsWith('--max')).join(' ')); else process.exit(code);
      });`;
    const relaunched = await run(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), '-e', probe]);
    expect(relaunched).toMatchObject({ code: 0, stdout: `${REBUILD_NODE_FLAGS.join(' ')}\n` });
  });

  it('stops the relaunched process when the command is stopped (SIGTERM), and exits as the signal says', async () => {
    // The relaunched process reports its pid and waits; the first process gets the SIGTERM.
    const probe = `const { relaunchWithNodeFlags } = require(${JSON.stringify(join(ROOT, 'libs/plans/src/rebuild/rebuild-process.ts'))});
      relaunchWithNodeFlags(${JSON.stringify(REBUILD_NODE_FLAGS)}).then((code) => {
        if (code === undefined) { console.log('child ' + process.pid); setInterval(() => undefined, 1000); } else process.exit(code);
      });`;
    const parent = spawn(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), '-e', probe], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d) => {
        out += d;
        const m = /child (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', () => reject(new Error(`the probe ended first: ${out}`)));
    });
    expect(isAlive(childPid)).toBe(true);
    const exit = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    parent.kill('SIGTERM');
    expect(await exit).toBe(128 + 15);
    expect(await gone(childPid, 5000)).toBe(true);
  });
});
