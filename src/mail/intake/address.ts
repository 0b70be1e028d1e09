import { isEmail } from 'class-validator';
import { LRUCache } from 'lru-cache';
import addressparser from 'nodemailer/lib/addressparser';
import type { EmailAddress } from '../../providers/providers.module';
import { controlCharacterProblem } from './validation/no-control-characters.validator';

/** What the API accepts wherever it takes an address. */
export type AddressInput = string | { email: string; name?: string };

export type ParsedAddress = { address: EmailAddress } | { problem: string };

const MAX_NAME_LENGTH = 256;
const EMAIL_OPTIONS = { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false };
const FORMS = 'must be "address", "Name <address>" or { "email": "address", "name": "Name" }';

/** Parses one address in any accepted form, or says in words what is wrong with it. */
export function parseAddress(value: unknown): ParsedAddress {
  if (typeof value === 'string') return parseAddressString(value);
  if (isAddressObject(value)) return checked({ email: value.email.trim(), name: value.name });
  return { problem: FORMS };
}

/** A single address, or an array of them, as a list; problems name `field` and the index. */
export function parseAddressList(
  field: string,
  value: unknown,
): { addresses: EmailAddress[]; problems: string[] } {
  const items = Array.isArray(value) ? value : [value];
  const addresses: EmailAddress[] = [];
  const problems: string[] = [];
  items.forEach((item, index) => {
    const parsed = parseAddress(item);
    const where = Array.isArray(value) ? `${field}[${index}]` : field;
    if ('problem' in parsed) problems.push(`${where} ${parsed.problem}`);
    else addresses.push(parsed.address);
  });
  return { addresses, problems };
}

export function countAddresses(value: unknown): number {
  if (value === undefined || value === null) return 0;
  return Array.isArray(value) ? value.length : 1;
}

/**
 * Each address string is parsed twice per message (validation, then normalisation) and senders recur on
 * every message, so recent results are kept; they are frozen because they are shared.
 */
const recentlyParsed = new LRUCache<string, ParsedAddress>({ max: 1_000 });

function parseAddressString(value: string): ParsedAddress {
  const known = recentlyParsed.get(value);
  if (known) return known;
  const parsed = deepFreeze(parseAddressStringUncached(value));
  recentlyParsed.set(value, parsed);
  return parsed;
}

function deepFreeze(parsed: ParsedAddress): ParsedAddress {
  if ('address' in parsed) Object.freeze(parsed.address);
  return Object.freeze(parsed);
}

function parseAddressStringUncached(value: string): ParsedAddress {
  const control = controlCharacterProblem(value);
  if (control) return { problem: control };
  const parsed = addressparser(value.trim(), { flatten: true });
  if (parsed.length !== 1) return { problem: `must be exactly one address (${FORMS})` };
  const [{ address, name }] = parsed;
  if (!address) return { problem: `has an invalid email address "${value.trim()}"` };
  return checked({ email: address, name: name || undefined });
}

function isAddressObject(value: unknown): value is { email: string; name?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { email, name, ...rest } = value as Record<string, unknown>;
  return (
    typeof email === 'string' &&
    (name === undefined || typeof name === 'string') &&
    Object.keys(rest).length === 0
  );
}

function checked({ email, name }: EmailAddress): ParsedAddress {
  const problem = emailProblem(email) ?? (name === undefined ? undefined : nameProblem(name, email));
  if (problem) return { problem };
  const normalised = normaliseEmail(email);
  if (name === undefined || name.trim() === '') return { address: { email: normalised } };
  return { address: { email: normalised, name: name.normalize('NFC').trim() } };
}

function emailProblem(email: string): string | undefined {
  const control = controlCharacterProblem(email);
  if (control) return control;
  if (!isEmail(email, EMAIL_OPTIONS)) return `has an invalid email address "${email}"`;
  if (hasUnsafeQuotedLocalPart(email)) {
    return `has an invalid email address "${email}": a quoted local part must not contain ${QUOTED_UNSAFE_DESCRIPTION}`;
  }
  // isEmail lets Unicode whitespace such as U+2028 into an unquoted local part.
  if (/\s/.test(email)) return `has an invalid email address "${email}"`;
  return undefined;
}

/**
 * Inside quotes RFC 5322 allows what mail software disagrees on: `"<ceo@bank.example>"@b.example` passes
 * an `@b.example` allow-list, yet a provider or a mail client may read the address inside. Quoted local
 * parts are kept for what only quotes can express (dots in odd places, `"john..doe"`), not for specials.
 */
const QUOTED_UNSAFE = /[\s()<>[\]:;@\\,"]/;
const QUOTED_UNSAFE_DESCRIPTION = 'whitespace or any of ( ) < > [ ] : ; @ \\ , "';

function hasUnsafeQuotedLocalPart(email: string): boolean {
  const local = email.slice(0, email.lastIndexOf('@'));
  return local.startsWith('"') && QUOTED_UNSAFE.test(local.slice(1, -1));
}

function nameProblem(name: string, email: string): string | undefined {
  const control = controlCharacterProblem(name);
  if (control) return `name ${control}`;
  if (name.length > MAX_NAME_LENGTH) return `name must be at most ${MAX_NAME_LENGTH} characters`;
  if (readsAsAddress(name, email)) return 'name must not contain "@" unless it is the address itself';
  return undefined;
}

/**
 * A display name holding an address shows readers a sender other than the real one
 * (`"ceo@bank.example" <app@example.com>`). NFKC folds look-alikes such as the fullwidth ＠ into @.
 */
function readsAsAddress(name: string, email: string): boolean {
  const folded = name.normalize('NFKC');
  return folded.includes('@') && folded.trim().toLowerCase() !== email.toLowerCase();
}

/** Domains are case-insensitive and the local part is not (RFC 5321), so only the domain is lowered. */
function normaliseEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}
