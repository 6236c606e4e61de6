import { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DirectoryCommands, DirectoryService } from '@govflow/directory';
import { seedDemo } from '../../apps/api/src/seed/demo-seed';
import { startApi } from '../support/app';

/** Runs the README's walkthrough exactly as written (only the port differs), so the docs cannot drift. */
describe('the README walkthrough', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await startApi({ GOVFLOW_TASK_TIMERS: 'true' }); // the walkthrough waits for an escalation
    await seedDemo(app.get(DirectoryService), app.get(DirectoryCommands), { onlyIfEmpty: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('takes the demo plan from draft to implementation with the demo tokens', async () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Walkthrough'));
    const script = /```bash\n([\s\S]*?)```/.exec(section)![1];
    expect(script).toContain('export GOVFLOW=http://localhost:3000');
    const dir = mkdtempSync(join(tmpdir(), 'govflow-readme-'));
    try {
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script.replace('export GOVFLOW=http://localhost:3000', `export GOVFLOW=${base}`)], {
        cwd: dir,
        timeout: 45_000,
      });
      const lines = stdout.split('\n');
      expect(lines[0]).toMatch(/^plan: [0-9a-f-]{36}$/);
      expect(lines.slice(1, 8)).toEqual([
        'technical_review',
        'draft',
        'Responda las observaciones bloqueantes antes de enviar el plan: obs-1.',
        '2',
        'endorsement',
        'presentation',
        'implementation',
      ]);
      const rest = lines.slice(8).join('\n');
      const [tasks] = rest.split('\n}\n');
      const parsedTasks = JSON.parse(`${tasks}\n}`);
      expect(parsedTasks.items.map((t: { commitmentRef: string }) => t.commitmentRef).sort()).toEqual(['E1', 'E2']);
      const tail = lines.slice(-10, -1);
      expect(tail.slice(0, 7)).toEqual(['4', 'draft', 'in_progress', '60', 'delivered', '403', 'validated']);
      expect(tail[7]).toMatch(/^task\.escalated .*CNSC.*2024-12-31/);
      expect(tail[8]).toBe('limited 8 1 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
