import { createServer, Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from '../support/processes';

/** The API as `npm start` runs it (from the sources here), on the test database. */
const startApiProcess = (env: Record<string, string>) =>
  run(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, 'apps/api/src/main.ts')], {
    GOVFLOW_SEED: 'none',
    GOVFLOW_ADMIN_TOKEN: 'api-process-test-admin-token',
    LOG_LEVEL: 'silent',
    ...env,
  });

describe('the API process at start', () => {
  let busy: Server;
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'govflow-api-process-'));

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '0.0.0.0', () => ok()));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => {
    busy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says in Spanish and English that its port is taken, and how to choose another, without a stack trace; exit 1', async () => {
    const started = await startApiProcess({ PORT: String(port), GOVFLOW_DATA_DIR: dataDir });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain(`el puerto ${port} ya está en uso`);
    expect(started.stderr).toContain(`port ${port} is already in use`);
    expect(started.stderr).toContain('PORT=');
    expect(started.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});
