import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromiumExecutable, screenshotPath, SCREENSHOT_DIR, useBrowser } from './support/browser';

const ROOT = join(__dirname, '..');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const FIXTURE = join(__dirname, 'fixtures', 'screenshot-on-failure.fixture.ts');

// An empty icon, so that Chromium asks the server for no favicon (whose 404 would be a console error).
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harness page</title><link rel="icon" href="data:,"></head>
<body>
  <main>
    <h1>Deliveries</h1>
    <button type="button" onclick="throw new TypeError('the button broke')">Break</button>
    <button type="button" onclick="console.error('complained on purpose')">Complain</button>
  </main>
</body>
</html>`;

function servePage(): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else response.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface JestRun {
  code: number | null;
  output: string;
  results: { numFailedTests: number; numPassedTests: number };
}

/**
 * The fixture in a Jest of its own, with the e2e project's test environment; not the e2e project itself,
 * whose global setup would start a second PostgreSQL for a test that needs none.
 */
async function runFixture(): Promise<JestRun> {
  const config = {
    rootDir: ROOT,
    testEnvironment: '<rootDir>/test/support/failure-aware.environment.ts',
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
    testMatch: ['<rootDir>/test/fixtures/*.fixture.ts'],
    testTimeout: 30_000,
  };
  const child = spawn(process.execPath, [JEST, '--config', JSON.stringify(config), '--runTestsByPath', FIXTURE, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  if (!stdout.trim().startsWith('{')) throw new Error(`the fixture's Jest printed no results:\n${stderr}`);
  return { code, output: stderr, results: JSON.parse(stdout) as JestRun['results'] };
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the browser-test harness', () => {
  const session = useBrowser();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = await servePage();
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("drives Chromium to a page served on 127.0.0.1 and reads it through its roles", async () => {
    const { page } = session;
    await page.goto(url);

    expect(await page.title()).toBe('Harness page');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Deliveries');
    expect(await page.getByRole('main').getByRole('button').allTextContents()).toEqual(['Break', 'Complain']);
    expect(session.pageErrors()).toEqual([]);
  });

  it("records the page's uncaught exceptions and console errors", async () => {
    const { page } = session;
    await page.goto(url);

    await Promise.all([page.waitForEvent('pageerror'), page.getByRole('button', { name: 'Break' }).click()]);
    await Promise.all([
      page.waitForEvent('console', (message) => message.type() === 'error'),
      page.getByRole('button', { name: 'Complain' }).click(),
    ]);

    expect(session.pageErrors()).toEqual(['uncaught TypeError: the button broke', 'console.error: complained on purpose']);
  });

  // Runs after the test above has left its page with errors.
  it("gives each test a fresh page, without the previous test's errors", () => {
    expect(session.page.url()).toBe('about:blank');
    expect(session.pageErrors()).toEqual([]);
  });

  it("names a failed test's screenshot after its file and test", () => {
    expect(screenshotPath('/repo/test/console.e2e-spec.ts', 'the console > lists: deliveries / bounces')).toBe(
      join(SCREENSHOT_DIR, 'console-the-console-lists-deliveries-bounces.png'),
    );
  });

  it('takes CHROMIUM_PATH when it names an executable, and refuses it when it does not', () => {
    const found = chromiumExecutable();
    expect(chromiumExecutable({ CHROMIUM_PATH: found, PATH: '' })).toBe(found);
    expect(() => chromiumExecutable({ CHROMIUM_PATH: FIXTURE })).toThrow(/not an executable file/);
  });

  it('writes a full-page screenshot of a failed test, and none of a passed one', async () => {
    const failed = screenshotPath(FIXTURE, 'fails on purpose');
    const passed = screenshotPath(FIXTURE, 'passes');
    rmSync(failed, { force: true });
    rmSync(passed, { force: true });
    try {
      const run = await runFixture();

      expect(run.results).toMatchObject({ numFailedTests: 1, numPassedTests: 1 });
      expect(run.code).toBe(1);
      expect(run.output).toContain('screenshot of the failed test: test-results/screenshots/screenshot-on-failure-fails-on-purpose.png');
      expect(existsSync(passed)).toBe(false);
      // Taller than the 1280x720 window: the whole page, not what the window showed.
      const size = pngSize(failed);
      expect(size.width).toBe(1280);
      expect(size.height).toBeGreaterThan(2000);
    } finally {
      rmSync(failed, { force: true });
    }
  }, 120_000);
});
