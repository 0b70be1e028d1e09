import { useEffect, useState } from 'preact/hooks';

/** Where the console is, from the URL's hash, so that every page can be linked to and reloaded. */
export type Route = { page: 'messages' } | { page: 'message'; id: string } | { page: 'providers' } | { page: 'suppressions' } | { page: 'queue' };

/** The pages the header links to, in its order. */
export const SECTIONS = [
  { page: 'messages', title: 'Messages', href: '#/' },
  { page: 'providers', title: 'Providers', href: '#/providers' },
  { page: 'suppressions', title: 'Suppressions', href: '#/suppressions' },
  { page: 'queue', title: 'Queue', href: '#/queue' },
] as const;

const MESSAGE = /^#\/messages\/([0-9a-f-]{36})$/;

function current(): Route {
  const [, id] = MESSAGE.exec(window.location.hash) ?? [];
  if (id) return { page: 'message', id };
  const section = SECTIONS.find(({ href }) => href === window.location.hash);
  return section ? { page: section.page } : { page: 'messages' };
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
