import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * V8 flags a rebuild runs with. Folding a million events allocates a new state object per
 * event, nearly all of it dead by the next event: with V8's default 16 MB young generation the
 * process spent about a fifth of its time in scavenges. 64 MB per semi-space measured 20-30%
 * more events per second (bench/replay.bench.ts, 2026-11-25).
 */
export const REBUILD_NODE_FLAGS = ['--max-semi-space-size=64'];

/** Signals a relaunched process passes on to the process it started. */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * V8 reads heap sizes only when the process starts, so a process without `flags` runs itself
 * again with them (same script, arguments, environment and terminal), waits, and resolves to the
 * child's exit code (128 + the signal's number if a signal ended it); undefined when this
 * process already has them. SIGTERM, SIGINT and SIGHUP sent to this process are passed on to the
 * child, so that stopping the command stops its work (which commits whole or not at all).
 */
export async function relaunchWithNodeFlags(flags: readonly string[]): Promise<number | undefined> {
  if (flags.every((flag) => process.execArgv.includes(flag))) return undefined;
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => void child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + constants.signals[signal] : 1)));
    });
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}
