/**
 * Whether `address` is allowed by a list of addresses and `@domain` entries (case-insensitive).
 * An empty list allows every sender.
 */
export function isAllowedSender(address: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const email = address.toLowerCase();
  const domain = email.slice(email.lastIndexOf('@'));
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    return rule.startsWith('@') ? rule === domain : rule === email;
  });
}
