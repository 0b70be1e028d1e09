/**
 * Collects the secrets a test file configures (provider keys, SMTP passwords, API keys) and everything
 * mailroute says back (log lines and HTTP responses), so that test/support/no-secret-leaks.ts can fail
 * the file when a secret shows up in any of it. One watch per test file (Jest's module registry).
 */
const secrets = new Set<string>();
const outputs: { source: string; text: string }[] = [];

export function watchSecret(secret: string): void {
  if (secret.length >= 6) secrets.add(secret);
}

export function recordOutput(source: string, text: string): void {
  outputs.push({ source, text });
}

/** Every (secret, where) pair found; a secret is reported by its first four characters only. */
export function leakedSecrets(): string[] {
  const leaks: string[] = [];
  for (const secret of secrets) {
    for (const { source, text } of outputs) {
      if (text.includes(secret)) leaks.push(`${secret.slice(0, 4)}… in ${source}: ${text.slice(0, 200)}`);
    }
  }
  return leaks;
}

/** The JSON log lines the app wrote so far, parsed. */
export function loggedLines(): Record<string, unknown>[] {
  return outputs.filter(({ source }) => source === 'log').map(({ text }) => JSON.parse(text) as Record<string, unknown>);
}

export function scannedOutputs(): number {
  return outputs.length;
}

export function forgetOutputs(): void {
  outputs.length = 0;
}
