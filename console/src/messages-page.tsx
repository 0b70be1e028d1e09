import { useState } from 'preact/hooks';
import { type Email, type EmailStatus, emailStatusValues } from '../../clients/typescript/src';
import { consoleClient, refusal } from './console-api';
import { useRefreshing } from './refreshing';
import { messageHref } from './route';

type Listing = { state: 'loaded'; emails: Email[] } | { state: 'failed'; why: string };

/** The newest messages first, filtered by status, kept current while the page is open. */
export function MessagesPage({ apiKey }: { apiKey?: string }) {
  const [status, setStatus] = useState<EmailStatus | ''>('');
  const { value: listing } = useRefreshing(() => list(apiKey, status), [apiKey, status]);

  return (
    <main>
      <h2>Messages</h2>
      <label for="status-filter">Status</label>
      <select id="status-filter" value={status} onChange={(event) => setStatus(event.currentTarget.value as EmailStatus | '')}>
        <option value="">any</option>
        {emailStatusValues.map((value) => (
          <option value={value}>{value}</option>
        ))}
      </select>
      <Messages listing={listing} />
    </main>
  );
}

function Messages({ listing }: { listing?: Listing }) {
  if (!listing) return <p class="status-line">Loading…</p>;
  if (listing.state === 'failed') return <p role="alert">{listing.why}</p>;
  if (listing.emails.length === 0) return <p class="status-line">No messages.</p>;
  return (
    <table>
      <caption>Newest first</caption>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Status</th>
          <th scope="col">To</th>
          <th scope="col">Subject</th>
          <th scope="col">Provider</th>
        </tr>
      </thead>
      <tbody>
        {listing.emails.map((email) => (
          <tr key={email.id} data-id={email.id}>
            <td>
              <time dateTime={email.createdAt}>{new Date(email.createdAt).toLocaleString()}</time>
            </td>
            <td>
              <span class={`badge badge-${email.status}`}>{email.status}</span>
            </td>
            <td>{email.to.map(({ email: address }) => address).join(', ')}</td>
            <td>
              <a href={messageHref(email.id)}>{email.subject}</a>
            </td>
            <td>{email.provider ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function list(apiKey: string | undefined, status: EmailStatus | ''): Promise<Listing> {
  const { data, error, response } = await consoleClient(apiKey).GET('/v1/emails', {
    params: { query: status === '' ? {} : { status } },
  });
  return data ? { state: 'loaded', emails: data.data } : { state: 'failed', why: refusal(response, error) };
}
