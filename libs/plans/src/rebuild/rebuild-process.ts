import { spawnSync } from 'node:child_process';

/**
 * V8 flags a rebuild runs with. Folding a million events allocates a new state object per
 * event, nearly all of it dead by the next event: with V8's default 16 MB young generation the
 * process spent about a fifth of its time in scavenges. 64 MB per semi-space measured 20-30%
 * more events per second (bench/replay.bench.ts, 2026-11-25).
 */
export const REBUILD_NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * V8 reads heap sizes only when the process starts, so a process without `flags` runs itself
 * again with them (same script, arguments, environment and terminal), waits, and returns the
 * child's exit code; undefined when this process already has them. Ctrl-C reaches both (one
 * process group); a child left running alone still commits its one transaction whole or not at all.
 */
export function relaunchWithNodeFlags(flags: readonly string[]): number | undefined {
  if (flags.every((flag) => process.execArgv.includes(flag))) return undefined;
  const child = spawnSync(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  if (child.error) throw child.error;
  return child.status ?? 1;
}
