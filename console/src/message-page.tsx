import { useState } from 'preact/hooks';
import type { Attempt, Email, EmailEvent } from '../../clients/typescript/src';
import { consoleClient, failed, type Failed, refusal } from './console-api';
import { MessageBody } from './message-body';
import { ColumnHeads, Shown, StatusBadge, Time, address, addressList } from './parts';
import { useRefreshing } from './refreshing';
import { messageHref } from './route';

/** `copies` is the API's refusal when the history could not list them. */
type Loaded = { state: 'loaded'; email: Email; events: EmailEvent[]; copies: Email[] | string } | Failed;

/** The newest copies a message's page links to. */
const COPIES_SHOWN = 10;

/** What the API still lets a caller cancel. */
const CANCELLABLE = new Set(['scheduled', 'queued']);

/**
 * One message: its envelope, every attempt, its timeline and its content, kept current; cancel while it
 * may be, and send it again as a new message, whose page it then opens.
 */
export function MessagePage({ id, apiKey }: { id: string; apiKey?: string }) {
  const { value: loaded, reload } = useRefreshing(() => load(apiKey, id), [apiKey, id]);
  const [actionRefused, setActionRefused] = useState<string>();
  const path = { params: { path: { id } } };

  const cancel = async () => {
    const { error, response } = await consoleClient(apiKey).POST('/v1/emails/{id}/cancel', path);
    setActionRefused(response.ok ? undefined : refusal(response, error));
    reload();
  };
  const sendAgain = async () => {
    const { data, error, response } = await consoleClient(apiKey).POST('/v1/emails/{id}/resend', path);
    setActionRefused(data ? undefined : refusal(response, error));
    if (data) window.location.hash = messageHref(data.id);
  };

  return (
    <main>
      <p>
        <a href="#/">All messages</a>
      </p>
      <Shown value={loaded}>
        {({ email, events, copies }) => (
          <>
            <h2>{email.subject}</h2>
            <Envelope email={email} copies={copies} />
            <div class="actions">
              {CANCELLABLE.has(email.status) && (
                <button type="button" onClick={() => void cancel()}>
                  Cancel this message
                </button>
              )}
              {email.attachments.length === 0 ? (
                <button type="button" onClick={() => void sendAgain()}>
                  Send again
                </button>
              ) : (
                <p class="hint">A message with attachments cannot be sent again from here: mailroute does not keep their bytes.</p>
              )}
            </div>
            {actionRefused && <p role="alert">{actionRefused}</p>}
            <Attempts attempts={email.attempts} />
            <Timeline events={events} />
            <MessageBody id={id} apiKey={apiKey} attachments={email.attachments} />
          </>
        )}
      </Shown>
    </main>
  );
}

function Envelope({ email, copies }: { email: Email; copies: Email[] | string }) {
  return (
    <dl class="envelope">
      <dt>Status</dt>
      <dd>
        <StatusBadge status={email.status} />
      </dd>
      <dt>From</dt>
      <dd>{address(email.from)}</dd>
      <dt>To</dt>
      <dd>{addressList(email.to)}</dd>
      <dt>Cc</dt>
      <dd>{addressList(email.cc)}</dd>
      <dt>Bcc</dt>
      <dd>{addressList(email.bcc)}</dd>
      <dt>Reply-To</dt>
      <dd>{email.replyTo ? address(email.replyTo) : '—'}</dd>
      <dt>Tags</dt>
      <dd>{email.tags.join(', ') || '—'}</dd>
      <dt>Metadata</dt>
      <dd>
        {Object.entries(email.metadata)
          .map(([key, value]) => `${key}: ${value}`)
          .join(', ') || '—'}
      </dd>
      {email.resentFrom && (
        <>
          <dt>Sent again from</dt>
          <dd>
            <a href={messageHref(email.resentFrom)}>{email.resentFrom}</a>
          </dd>
        </>
      )}
      {typeof copies === 'string' && (
        <>
          <dt>Sent again as</dt>
          <dd class="hint">not known now ({copies})</dd>
        </>
      )}
      {typeof copies !== 'string' && copies.length > 0 && (
        <>
          <dt>Sent again as</dt>
          <dd>
            <ul class="copies">
              {copies.map((copy) => (
                <li>
                  <a href={messageHref(copy.id)}>{copy.id}</a> <StatusBadge status={copy.status} />
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      <dt>Created</dt>
      <dd>
        <Time at={email.createdAt} />
      </dd>
      {email.sendAt && (
        <>
          <dt>Due</dt>
          <dd>
            <Time at={email.sendAt} />
          </dd>
        </>
      )}
      <dt>Provider</dt>
      <dd>{email.provider ?? '—'}</dd>
      <dt>Provider's id</dt>
      <dd>{email.providerMessageId ?? '—'}</dd>
      {email.error && (
        <>
          <dt>Error</dt>
          <dd>
            {email.error.type}: {email.error.message}
          </dd>
        </>
      )}
    </dl>
  );
}

function Attempts({ attempts }: { attempts: Attempt[] }) {
  return (
    <section aria-labelledby="attempts-heading">
      <h3 id="attempts-heading">Attempts</h3>
      {attempts.length === 0 ? (
        <p class="status-line">No attempt yet.</p>
      ) : (
        <table>
          <ColumnHeads names={['Provider', 'Round', 'Started', 'Duration', 'Outcome', 'Answer']} />
          <tbody>
            {attempts.map((attempt) => (
              <tr>
                <td>{attempt.provider}</td>
                <td>{attempt.round}</td>
                <td>
                  <Time at={attempt.startedAt} />
                </td>
                <td>{attempt.durationMs} ms</td>
                <td>{attempt.outcome}</td>
                <td>{attempt.error ? `${attempt.error.type}: ${attempt.error.message}` : (attempt.response ?? '—')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Timeline({ events }: { events: EmailEvent[] }) {
  return (
    <section aria-labelledby="timeline-heading">
      <h3 id="timeline-heading">Timeline</h3>
      <ol class="timeline">
        {events.map((event) => (
          <li>
            <Time at={event.at} /> <strong>{event.type}</strong>
            {event.provider && ` (${event.provider})`}
            {event.detail && `: ${event.detail}`}
          </li>
        ))}
      </ol>
    </section>
  );
}

async function load(apiKey: string | undefined, id: string): Promise<Loaded> {
  const client = consoleClient(apiKey);
  const path = { params: { path: { id } } };
  const [message, timeline, copies] = await Promise.all([
    client.GET('/v1/emails/{id}', path),
    client.GET('/v1/emails/{id}/events', path),
    client.GET('/v1/emails', { params: { query: { resentFrom: id, limit: COPIES_SHOWN } } }),
  ]);
  if (!message.data) return failed(message.response, message.error);
  if (!timeline.data) return failed(timeline.response, timeline.error);
  // The copies are the history's: while it is unreachable the message still shows, and says why they do not.
  const copiesOrWhy = copies.data ? copies.data.data : refusal(copies.response, copies.error);
  return { state: 'loaded', email: message.data, events: timeline.data, copies: copiesOrWhy };
}
