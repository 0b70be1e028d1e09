import { useEffect, useState } from 'preact/hooks';
import { type Email, type EmailStatus, emailStatusValues } from '../../clients/typescript/src';
import { consoleClient } from './console-api';

interface Props {
  apiKey?: string;
  /** Undefined where there is no key to forget (a mailroute without API_KEYS). */
  onSignOut?: () => void;
}

/** The page asks again this often, so that new messages appear and those in flight move on their own. */
const REFRESH_MS = 2_000;

type Listing = { state: 'loading' } | { state: 'loaded'; emails: Email[] } | { state: 'failed'; why: string };

/** The newest messages first, filtered by status, kept current while the page is open. */
export function MessagesPage({ apiKey, onSignOut }: Props) {
  const [status, setStatus] = useState<EmailStatus | ''>('');
  const [listing, setListing] = useState<Listing>({ state: 'loading' });

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current = true;
    const load = async () => {
      const next = await list(apiKey, status);
      if (!current) return;
      setListing(next);
      timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [apiKey, status]);

  return (
    <>
      <header class="top">
        <h1>mailroute</h1>
        {onSignOut && (
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
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
    </>
  );
}

function Messages({ listing }: { listing: Listing }) {
  if (listing.state === 'loading') return <p class="status-line">Loading…</p>;
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
            <td>{email.subject}</td>
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
  if (data) return { state: 'loaded', emails: data.data };
  return { state: 'failed', why: `mailroute answered ${response.status}: ${[error?.message ?? ''].flat().join('; ')}` };
}
