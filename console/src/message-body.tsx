import { useEffect, useState } from 'preact/hooks';
import type { AttachmentInfo, EmailContent } from '../../clients/typescript/src';
import { consoleClient, failed, type Failed } from './console-api';
import { ColumnHeads } from './parts';

type Loaded = { state: 'loaded'; content: EmailContent } | Failed;

/**
 * The message's bodies and attachments, loaded once: they never change, and an HTML body can be
 * megabytes. The HTML is the sender's: it is shown only in a frame sandboxed without scripts, which
 * also takes the console's policy (no script, nothing fetched from another origin, so no tracking pixel
 * learns that the message was opened here).
 */
export function MessageBody({ id, apiKey, attachments }: { id: string; apiKey?: string; attachments: AttachmentInfo[] }) {
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    setLoaded(undefined);
    void load(apiKey, id).then(setLoaded);
  }, [apiKey, id]);

  return (
    <section aria-labelledby="content-heading">
      <h3 id="content-heading">Content</h3>
      {!loaded && <p class="status-line">Loading…</p>}
      {loaded?.state === 'failed' && <p class="status-line">{loaded.why}</p>}
      {loaded?.state === 'loaded' && <Bodies content={loaded.content} />}
      <Attachments attachments={attachments} />
    </section>
  );
}

function Bodies({ content }: { content: EmailContent }) {
  return (
    <>
      <h4>HTML</h4>
      {content.html === null ? (
        <p class="status-line">No HTML body.</p>
      ) : (
        <>
          <iframe class="html-body" sandbox="" srcDoc={content.html} title="The message's HTML body" />
          <p class="hint">Shown without its scripts and without images from other sites.</p>
        </>
      )}
      <h4>Text</h4>
      {content.text === null ? <p class="status-line">No text body.</p> : <pre class="text-body">{content.text}</pre>}
    </>
  );
}

function Attachments({ attachments }: { attachments: AttachmentInfo[] }) {
  if (attachments.length === 0) return <p class="status-line">No attachments.</p>;
  return (
    <table>
      <caption>Attachments (mailroute keeps their bytes only until the message is sent)</caption>
      <ColumnHeads names={['Name', 'Type', 'Size']} />
      <tbody>
        {attachments.map(({ filename, contentType, size, contentId }) => (
          <tr>
            <td>
              {filename}
              {contentId && <span class="hint"> (inline, cid:{contentId})</span>}
            </td>
            <td>{contentType}</td>
            <td>{byteSize(size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const byteSize = (bytes: number) => new Intl.NumberFormat(undefined, { style: 'unit', unit: bytes < 1024 ? 'byte' : 'kilobyte', maximumFractionDigits: 1 }).format(bytes < 1024 ? bytes : bytes / 1024);

async function load(apiKey: string | undefined, id: string): Promise<Loaded> {
  const { data, error, response } = await consoleClient(apiKey).GET('/v1/emails/{id}/content', { params: { path: { id } } });
  return data ? { state: 'loaded', content: data } : failed(response, error);
}
