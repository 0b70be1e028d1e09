import AxeBuilder from '@axe-core/playwright';
import { newApiKey } from './support/api-keys';
import { useBrowser } from './support/browser';
import { signIn, UNAUTHORIZED_CALL } from './support/console-session';
import { useTestApp } from './support/test-app';

const operator = newApiKey('operator', 'admin');
/** The WCAG 2.1 A and AA rules axe-core can check: labels, names, contrast, landmarks, headings, ARIA. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const message = {
  from: 'Shop <shop@example.com>',
  to: 'ann@example.com',
  subject: 'Checked for accessibility',
  text: 'Hello Ann',
  html: '<p>Hello <b>Ann</b></p>',
  tags: ['a11y'],
  metadata: { order: '1042' },
};

describe("the console's accessibility, by axe-core's WCAG 2.1 AA rules and by keyboard", () => {
  const running = useTestApp({ env: { API_KEYS: operator.entry } });
  const browser = useBrowser();
  let url: string;
  let messageId: string;

  beforeAll(async () => {
    url = `${await running.app.listen()}/console/`;
    const { body } = await running.app.http.post('/v1/emails').set('Authorization', operator.bearer).send(message).expect(202);
    messageId = body.id;
    await running.app.waitForStatus(messageId, ['sent'], operator.bearer);
  });

  /**
   * axe-core's violations on the page as it is now, each with the elements it found them on. Not inside
   * frames: the only one is a message's HTML, the sender's markup rather than the console's, and its
   * sandbox lets no script, axe's included, run there. Legacy mode (one axe.run in the page) because the
   * default one waits on every frame to answer, which that one never does.
   */
  async function violations(): Promise<{ rule: string; targets: string[] }[]> {
    const { violations: found } = await new AxeBuilder({ page: browser.page }).withTags(WCAG_AA).options({ iframes: false }).setLegacyMode().analyze();
    return found.map(({ id, nodes }) => ({ rule: id, targets: nodes.map(({ target }) => target.join(' ')) }));
  }

  /** Presses Tab until the focus is on the element whose text is `text`, as a keyboard user reaches it; fails if Tab never does. */
  async function tabTo(text: string): Promise<void> {
    for (let presses = 0; presses < 60; presses += 1) {
      await browser.page.keyboard.press('Tab');
      if ((await browser.page.evaluate('document.activeElement.textContent.trim()')) === text) return;
    }
    throw new Error(`Tab never reached "${text}"`);
  }

  const pages: [string, string, string][] = [
    ['messages', '#/', 'Messages'],
    ['one message, with its HTML frame', '#/messages/{id}', 'Checked for accessibility'],
    ['providers', '#/providers', 'Providers'],
    ['suppressions', '#/suppressions', 'Suppressions'],
    ['queue', '#/queue', 'Queue'],
  ];

  it.each(['light', 'dark'] as const)('finds nothing on the sign-in page, nor on a refused key, in the %s scheme', async (colorScheme) => {
    const { page } = browser;
    await page.emulateMedia({ colorScheme });
    await page.goto(url);
    await page.getByLabel('API key').waitFor();
    expect(await violations()).toEqual([]);
    await signIn(page, 'mr_not-a-key-of-this-server');
    await page.getByRole('alert').waitFor();
    expect(await violations()).toEqual([]);
  });

  const schemes = ['light', 'dark'] as const;
  it.each(pages.flatMap(([name, hash, heading]) => schemes.map((scheme) => [name, scheme, hash, heading])))(
    'finds nothing on the %s page, loaded, in the %s scheme',
    async (_name, colorScheme, hash, heading) => {
      const { page } = browser;
      await page.emulateMedia({ colorScheme: colorScheme as (typeof schemes)[number] });
      await page.goto(`${url}${hash.replace('{id}', messageId)}`);
      await signIn(page, operator.key);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      // Loaded, not "Loading…": what a reader meets once the API answered.
      await page.getByText('Loading…').waitFor({ state: 'detached' });
      expect(await violations()).toEqual([]);
    },
  );

  it('signs in, moves between sections and opens a message with the keyboard alone', async () => {
    const { page } = browser;
    await page.goto(url);
    await page.getByLabel('API key').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('api-key');
    await page.keyboard.type(operator.key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Messages', exact: true }).waitFor();

    await tabTo('Providers');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Providers', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Providers' }).getAttribute('aria-current')).toBe('page');

    await tabTo('Messages');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: message.subject }).waitFor();
    await tabTo(message.subject);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: message.subject }).waitFor();
    await tabTo('Send again');
    // The first look, before a key, is the only refused call.
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });
});
