import type { ComponentChildren } from 'preact';
import type { EmailStatus } from '../../clients/typescript/src';
import type { Failed } from './console-api';

/** A time as the reader's locale writes it, with the exact instant kept for assistive technology. */
export const Time = ({ at }: { at: string }) => <time dateTime={at}>{new Date(at).toLocaleString()}</time>;

export const StatusBadge = ({ status }: { status: EmailStatus }) => <span class={`badge badge-${status}`}>{status}</span>;

/** An address as a mail client writes it: `Name <address>`, or the address alone. */
export const address = ({ email, name }: { email: string; name?: string }) => (name ? `${name} <${email}>` : email);

export const addressList = (list: { email: string; name?: string }[]) => list.map(address).join(', ') || '—';

/**
 * What a page shows of what it loads: "Loading…" until the API answers, then its refusal, or what
 * `children` makes of the value.
 */
export function Shown<L extends { state: string }>({ value, children }: { value?: L; children: (loaded: Exclude<L, Failed>) => ComponentChildren }) {
  if (!value) return <p class="status-line">Loading…</p>;
  if (isFailed(value)) return <p role="alert">{value.why}</p>;
  return <>{children(value as Exclude<L, Failed>)}</>;
}

const isFailed = (value: { state: string }): value is Failed => value.state === 'failed';

/** A table's head: one column header for each name. */
export const ColumnHeads = ({ names }: { names: string[] }) => (
  <thead>
    <tr>
      {names.map((name) => (
        <th scope="col">{name}</th>
      ))}
    </tr>
  </thead>
);
