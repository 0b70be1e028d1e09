import type { EmailStatus } from '../../clients/typescript/src';

/** A time as the reader's locale writes it, with the exact instant kept for assistive technology. */
export const Time = ({ at }: { at: string }) => <time dateTime={at}>{new Date(at).toLocaleString()}</time>;

export const StatusBadge = ({ status }: { status: EmailStatus }) => <span class={`badge badge-${status}`}>{status}</span>;

/** An address as a mail client writes it: `Name <address>`, or the address alone. */
export const address = ({ email, name }: { email: string; name?: string }) => (name ? `${name} <${email}>` : email);

export const addressList = (list: { email: string; name?: string }[]) => list.map(address).join(', ') || '—';

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
