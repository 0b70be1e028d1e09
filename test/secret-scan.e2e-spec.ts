import { FakeWorld } from './support/fake-world';
import { forgetOutputs, leakedSecrets, recordOutput, scannedOutputs } from './support/secret-watch';
import { TestApp } from './support/test-app';

// The scan itself (test/support/no-secret-leaks.ts) runs after every e2e file; this proves it sees
// what mailroute says and would catch a key in it.
describe('the secret scan', () => {
  let world: FakeWorld;
  let app: TestApp;

  beforeAll(async () => {
    world = await FakeWorld.start();
    app = await TestApp.start({ redisUrl: world.redis.url, env: world.env });
  });
  afterAll(async () => {
    await app?.close();
    await world?.stop();
  });

  it('records log lines and responses, and finds a configured key in them', async () => {
    world.sendgrid.answerAlways({ status: 401 });
    const { body } = await app.send({ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'x' }).expect(202);
    await app.waitForStatus(body.id, ['sent']);
    await app.http.get('/v1/providers').expect(200);
    await app.http.get('/health/ready').expect(200);
    expect(scannedOutputs()).toBeGreaterThan(5);
    expect(leakedSecrets()).toEqual([]);

    // A provider that echoed the key back in an error must be caught by the scan.
    world.mailgun.answerNext({ status: 400, body: { message: `bad request for key ${world.mailgun.apiKey}` } });
    world.sendgrid.answerAlways({ status: 500 });
    const echoed = await app.send({ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'x' }).expect(202);
    const failed = await app.waitForStatus(echoed.body.id, ['failed']);
    expect(failed.error.message).toContain('[redacted]');
    expect(leakedSecrets()).toEqual([]);

    recordOutput('a deliberate leak', `Authorization: Bearer ${world.sendgrid.apiKey}`);
    expect(leakedSecrets()).toEqual([expect.stringContaining('in a deliberate leak')]);
    forgetOutputs();
  });
});
