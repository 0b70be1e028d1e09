import { EmailAddress } from './email-message';

/**
 * `Name <address>` as RFC 5322 writes it: the name quoted, with quotes and backslashes escaped, for
 * APIs that take addresses as strings. Non-ASCII names are left for the provider to encode.
 */
export function formatAddress({ email, name }: EmailAddress): string {
  if (!name) return email;
  return `"${name.replace(/(["\\])/g, '\\$1')}" <${email}>`;
}
