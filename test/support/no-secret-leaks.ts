import { leakedSecrets } from './secret-watch';

// Runs after every e2e file: no configured secret may appear in a log line or a response it produced.
afterAll(() => {
  const leaks = leakedSecrets();
  if (leaks.length > 0) throw new Error(`secrets leaked into logs or responses:\n${leaks.join('\n')}`);
});
