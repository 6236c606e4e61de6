import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Whether a process of that pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the process is gone, or after `ms`; returns whether it is gone. */
export async function gone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; isAlive(pid) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

export function which(binary: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** A private redis-server on its own port, so a test may stop and start it. */
export async function startPrivateRedis(port?: number) {
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      execFileSync('redis-cli', ['-p', String(p), 'ping'], { stdio: 'ignore' });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('private redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    stop: () => new Promise<void>((ok) => (child.exitCode !== null ? ok() : (child.once('exit', () => ok()), child.kill('SIGTERM')))),
  };
}

/** A real worker process (apps/worker), run from the sources. */
export function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, 'apps/worker/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((ok) => (child.exitCode !== null || child.signalCode !== null ? ok() : child.once('exit', () => ok())));

/** Runs a command to completion: its exit code and output. */
export function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

/** The real CLI (apps/cli), run from the sources. */
export const runCli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, 'apps/cli/src/main.ts'), ...args], env);
