import { newApiKey } from './support/api-keys';
import { useTestApp } from './support/test-app';

const operator = newApiKey('operator', 'admin');

describe('the console at /console', () => {
  const running = useTestApp({ env: { API_KEYS: operator.entry } });

  it('serves its page to anyone, with a policy that lets it run only its own files and talk only to this origin', async () => {
    const page = await running.app.http.get('/console/').expect(200).expect('content-type', /text\/html/);
    expect(page.text).toContain('<title>mailroute console</title>');
    const policy = page.headers['content-security-policy'];
    const directives = policy.split('; ');
    expect(directives).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]));
    // Inline styles only, for a message's HTML in its sandboxed frame, which takes this policy.
    expect(directives).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy.replace("'unsafe-inline'", '')).not.toMatch(/unsafe-|https:|\*/);
    for (const asset of ['main.js', 'main.css']) {
      expect(page.text).toContain(`./${asset}`);
      await running.app.http.get(`/console/${asset}`).expect(200);
    }
  });

  it('shows nothing of the API without a key: the data comes from the API, which asks for one', async () => {
    await running.app.http.get('/v1/emails').expect(401);
    await running.app.http.get('/v1/emails').set('Authorization', operator.bearer).expect(200);
  });

  it('is not part of the API document', async () => {
    const { body } = await running.app.http.get('/docs-json').expect(200);
    expect(Object.keys(body.paths).filter((path) => path.startsWith('/console'))).toEqual([]);
  });
});

describe('CONSOLE_ENABLED=false', () => {
  const running = useTestApp({ env: { CONSOLE_ENABLED: 'false' } });

  it('leaves /console out', async () => {
    await running.app.http.get('/console/').expect(404);
    await running.app.http.get('/v1/emails').expect(200);
  });
});
