import { useEffect, useState } from 'preact/hooks';

/** Where the console is, from the URL's hash, so that a message's page can be linked to and reloaded. */
export type Route = { page: 'messages' } | { page: 'message'; id: string };

const MESSAGE = /^#\/messages\/([0-9a-f-]{36})$/;

function current(): Route {
  const [, id] = MESSAGE.exec(window.location.hash) ?? [];
  return id ? { page: 'message', id } : { page: 'messages' };
}

export const messageHref = (id: string) => `#/messages/${id}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const follow = () => setRoute(current());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}
