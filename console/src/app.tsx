import { useEffect, useState } from 'preact/hooks';
import { accepts } from './console-api';
import { MessagePage } from './message-page';
import { MessagesPage } from './messages-page';
import { useRoute } from './route';
import { forgetKey, storeKey, storedKey } from './session';
import { SignIn } from './sign-in';

type Session = { state: 'checking' } | { state: 'signed-out' } | { state: 'signed-in'; apiKey?: string };

/**
 * Opens directly where the API needs no key (a loopback mailroute without API_KEYS) or the tab already
 * holds one the API accepts; asks for a key otherwise.
 */
export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const route = useRoute();

  useEffect(() => {
    const apiKey = storedKey();
    void accepts(apiKey).then((ok) => setSession(ok ? { state: 'signed-in', apiKey } : { state: 'signed-out' }));
  }, []);

  const signIn = async (apiKey: string): Promise<boolean> => {
    if (!(await accepts(apiKey))) return false;
    storeKey(apiKey);
    setSession({ state: 'signed-in', apiKey });
    return true;
  };
  const signOut = () => {
    forgetKey();
    setSession({ state: 'signed-out' });
  };

  if (session.state === 'checking') return <p class="status-line">Connecting to mailroute…</p>;
  if (session.state === 'signed-out') return <SignIn onSignIn={signIn} />;
  return (
    <>
      <header class="top">
        <h1>mailroute</h1>
        {session.apiKey !== undefined && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {route.page === 'message' ? <MessagePage id={route.id} apiKey={session.apiKey} /> : <MessagesPage apiKey={session.apiKey} />}
    </>
  );
}
