import { useEffect, useState } from 'preact/hooks';
import { checkKey, type KeyCheck } from './console-api';
import { MessagePage } from './message-page';
import { MessagesPage } from './messages-page';
import { ProvidersPage } from './providers-page';
import { QueuePage } from './queue-page';
import { type Route, SECTIONS, useRoute } from './route';
import { forgetKey, storeKey, storedKey } from './session';
import { SignIn } from './sign-in';
import { SuppressionsPage } from './suppressions-page';

type Session = { state: 'checking' } | { state: 'unreachable' } | { state: 'signed-out' } | { state: 'signed-in'; apiKey?: string };

/**
 * Opens directly where the API needs no key (a loopback mailroute without API_KEYS) or the tab already
 * holds one the API accepts; asks for a key otherwise.
 */
export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const route = useRoute();

  useEffect(() => {
    const apiKey = storedKey();
    void checkKey(apiKey).then((check) => setSession(check === 'accepted' ? { state: 'signed-in', apiKey } : { state: check === 'refused' ? 'signed-out' : check }));
  }, []);

  const signIn = async (apiKey: string): Promise<KeyCheck> => {
    const check = await checkKey(apiKey);
    if (check !== 'accepted') return check;
    storeKey(apiKey);
    setSession({ state: 'signed-in', apiKey });
    return check;
  };
  const signOut = () => {
    forgetKey();
    setSession({ state: 'signed-out' });
  };

  if (session.state === 'checking') return <p class="status-line">Connecting to mailroute…</p>;
  if (session.state === 'unreachable') return <p role="alert">mailroute did not answer. Reload the page to try again.</p>;
  if (session.state === 'signed-out') return <SignIn onSignIn={signIn} />;
  return (
    <>
      <header class="top">
        <h1>mailroute</h1>
        <nav aria-label="Sections" class="sections">
          {SECTIONS.map(({ page, title, href }) => (
            <a href={href} aria-current={sectionOf(route) === page ? 'page' : undefined}>
              {title}
            </a>
          ))}
        </nav>
        {session.apiKey !== undefined && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <Page route={route} apiKey={session.apiKey} />
    </>
  );
}

function Page({ route, apiKey }: { route: Route; apiKey?: string }) {
  switch (route.page) {
    case 'message':
      return <MessagePage id={route.id} apiKey={apiKey} />;
    case 'providers':
      return <ProvidersPage apiKey={apiKey} />;
    case 'suppressions':
      return <SuppressionsPage apiKey={apiKey} />;
    case 'queue':
      return <QueuePage apiKey={apiKey} />;
    default:
      return <MessagesPage apiKey={apiKey} />;
  }
}

/** A message's page belongs to the messages section. */
const sectionOf = (route: Route) => (route.page === 'message' ? 'messages' : route.page);
