import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reachableDataDir, ServerAccount } from './postgres-server.process';

describe('reachableDataDir', () => {
  // Neither the owner nor the group of the folders this test makes (they are the test's own).
  const stranger: ServerAccount = { name: 'stranger', uid: process.getuid!() + 4242, gid: process.getgid!() + 4242 };
  let closed: string;
  let open: string;

  beforeAll(() => {
    closed = mkdtempSync(join(tmpdir(), 'mailroute-closed-'));
    chmodSync(closed, 0o700);
    open = mkdtempSync(join(tmpdir(), 'mailroute-open-'));
    chmodSync(open, 0o755);
  });
  afterAll(() => {
    rmSync(closed, { recursive: true, force: true });
    rmSync(open, { recursive: true, force: true });
  });

  it('moves to the fallback when the server account cannot pass a folder on the way', () => {
    const options = { dataDir: join(closed, 'data', 'postgres'), fallbackDataDir: '/var/lib/mailroute/abc/postgres' };
    expect(reachableDataDir(options, stranger)).toBe('/var/lib/mailroute/abc/postgres');
  });

  it('keeps a data directory the account can reach', () => {
    const dataDir = join(open, 'data', 'postgres');
    expect(reachableDataDir({ dataDir, fallbackDataDir: '/var/lib/mailroute/abc/postgres' }, stranger)).toBe(dataDir);
  });

  it('keeps to a data directory without a fallback (one chosen in POSTGRES_DATA_DIR), to fail naming the folder', () => {
    const dataDir = join(closed, 'postgres');
    expect(reachableDataDir({ dataDir }, stranger)).toBe(dataDir);
  });

  it('keeps the data directory when the server runs as mailroute’s own user', () => {
    const dataDir = join(closed, 'postgres');
    expect(reachableDataDir({ dataDir, fallbackDataDir: '/var/lib/mailroute/abc/postgres' }, undefined)).toBe(dataDir);
  });
});
