// Spawn the built `remembrancer` binary (dist/cli/main.js) in a temp home, as a user would.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempHome(prefix = 'remembrancer-cli-'): { dir: string; home: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, home: join(dir, 'home'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run the CLI synchronously (simple, deterministic); `input` is fed to stdin. */
export function cli(home: string, args: string[], input?: string): RunResult {
  const r = spawnSync(process.execPath, [BIN, '--home', home, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, REMEMBRANCER_HOME: '' },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI asynchronously (for concurrency tests). */
export function cliAsync(home: string, args: string[]): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const p = spawn(process.execPath, [BIN, '--home', home, ...args], { env: { ...process.env, REMEMBRANCER_HOME: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}
