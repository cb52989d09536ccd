import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { loadRemoteCheckpoint, remoteCheckpointPath, saveRemoteCheckpoint } from './state.js';

const home = mkdtempSync(join(tmpdir(), 'remembrancer-tiles-state-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('remembered remote checkpoints', () => {
  it('keeps one note per origin, under a hashed file name', () => {
    expect(loadRemoteCheckpoint(home, 'a.example/log')).toBeUndefined();
    saveRemoteCheckpoint(home, 'a.example/log', 'note A\n', 'https://a.example/log/');
    saveRemoteCheckpoint(home, '../../etc/passwd', 'note B\n', 'https://b.example/');
    expect(loadRemoteCheckpoint(home, 'a.example/log')).toBe('note A\n');
    expect(loadRemoteCheckpoint(home, '../../etc/passwd')).toBe('note B\n');
    expect(remoteCheckpointPath(home, '../../etc/passwd')).toMatch(/remote-checkpoints\/[0-9a-f]{64}\.json$/);
    expect(statSync(join(home, 'remote-checkpoints')).mode & 0o777).toBe(0o700);
    saveRemoteCheckpoint(home, 'a.example/log', 'note A2\n', 'https://a.example/log/');
    expect(loadRemoteCheckpoint(home, 'a.example/log')).toBe('note A2\n');
  });

  it('refuses a damaged or foreign state file (exit 2) instead of silently forgetting', () => {
    mkdirSync(join(home, 'remote-checkpoints'), { recursive: true });
    writeFileSync(remoteCheckpointPath(home, 'c.example'), '{not json');
    expect(() => loadRemoteCheckpoint(home, 'c.example')).toThrow(InputError);
    writeFileSync(remoteCheckpointPath(home, 'd.example'), JSON.stringify({ origin: 'other', note: 'x' }));
    expect(() => loadRemoteCheckpoint(home, 'd.example')).toThrow(InputError);
  });
});
