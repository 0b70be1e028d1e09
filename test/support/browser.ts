import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { basename, delimiter, join, relative } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { currentTestFailed, failureQuery } from './test-failure';

/** Where failed browser tests leave their screenshots (ignored by git). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-results', 'screenshots');

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, path: string): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutableFile);
}

/**
 * The Chromium that scripts/setup.js installs (Debian's `chromium`), looked for where setup looks;
 * CHROMIUM_PATH, a test-only variable, names any other Chromium or Chrome. playwright-core downloads
 * no browser, so there is no other source.
 */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (isExecutableFile(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which is not an executable file`);
  }
  // Debian's path too, for a PATH without /usr/bin.
  const found =
    onPath('chromium', env.PATH ?? '') ??
    onPath('chromium-browser', env.PATH ?? '') ??
    (isExecutableFile(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined);
  if (found) return found;
  throw new Error(
    "no Chromium found: run `node scripts/setup.js --tests` (installs Debian's chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary",
  );
}

/**
 * Chromium looks up hosts of its own accord (Debian's asks the resolver for accounts.google.com at
 * start): no name resolves but the loopback's, so a browser test reaches nothing beyond 127.0.0.1.
 */
const LOOPBACK_ONLY = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1';

export function launchChromium(): Promise<Browser> {
  const asRoot = process.getuid?.() === 0;
  // Chromium refuses its sandbox to root; anyone else keeps it (playwright-core turns it off unless asked).
  return chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    chromiumSandbox: !asRoot,
    args: [LOOPBACK_ONLY],
  });
}

/** Records the page's console errors and uncaught exceptions from now on. */
export function watchPageErrors(page: Page): () => string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught ${error.name}: ${error.message}`));
  return () => [...errors];
}

/** test-results/screenshots/<file>-<test name>.png, the name made safe for any file system. */
export function screenshotPath(testPath: string, testName: string): string {
  const file = basename(testPath).split('.')[0];
  const name = testName
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 150);
  return join(SCREENSHOT_DIR, `${file}-${name}.png`);
}

/** Writes a full-page PNG of `page` for the named test and returns its path. */
export async function saveFailureScreenshot(page: Page, testPath: string, testName: string): Promise<string> {
  const path = screenshotPath(testPath, testName);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Bounded, so that a hung page cannot spend the hook's whole timeout.
  await page.screenshot({ path, fullPage: true, timeout: 10_000 });
  return path;
}

/** Saves and names the failed test's screenshot; a page that cannot be shot must not add a second failure. */
async function reportFailure(page: Page, pageErrors: string[]): Promise<void> {
  const { testPath = 'unknown', currentTestName = 'unnamed' } = expect.getState();
  const errors = pageErrors.length > 0 ? `\npage errors:\n${pageErrors.join('\n')}` : '';
  try {
    const path = await saveFailureScreenshot(page, testPath, currentTestName);
    console.log(`screenshot of the failed test: ${relative(process.cwd(), path)}${errors}`);
  } catch (error) {
    console.log(`no screenshot of the failed test: ${String(error)}${errors}`);
  }
}

export interface BrowserSession {
  /** The test's own page, in a context of its own: nothing carries over between tests. */
  readonly page: Page;
  readonly context: BrowserContext;
  /** The page's console errors and uncaught exceptions so far, for a test to assert there were none. */
  pageErrors(): string[];
}

interface TestTab {
  context: BrowserContext;
  page: Page;
  pageErrors: () => string[];
}

async function openTab(browser: Browser): Promise<TestTab> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page, pageErrors: watchPageErrors(page) };
}

/**
 * Jest hooks for a browser test file: one Chromium for the file, a fresh context and page for each
 * test, closed after it, and a screenshot of the page when the test failed.
 */
export function useBrowser(): BrowserSession {
  // Without the environment a failed test would leave no screenshot, silently: refuse to start instead.
  failureQuery();
  let browser: Browser | undefined;
  let tab: TestTab | undefined;
  const current = (): TestTab => {
    if (!tab) throw new Error('the browser session is open only inside a test (useBrowser opens it in beforeEach)');
    return tab;
  };

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    if (!browser) throw new Error('Chromium did not start (see the beforeAll error)');
    tab = await openTab(browser);
  });
  afterEach(async () => {
    const closing = tab;
    tab = undefined;
    if (!closing) return;
    try {
      if (currentTestFailed()) await reportFailure(closing.page, closing.pageErrors());
    } finally {
      await closing.context.close();
    }
  });

  return {
    get page() {
      return current().page;
    },
    get context() {
      return current().context;
    },
    pageErrors: () => current().pageErrors(),
  };
}
