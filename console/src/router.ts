import { useEffect, useState } from 'react';

/** The page's route lives in the hash (`#/metrics?name=mrr`), so the server serves one file. */
export type Route = { path: string[]; params: URLSearchParams };

function currentRoute(): Route {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [pathPart, query = ''] = hash.split('?');
  return {
    path: pathPart.split('/').filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(query),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Replaces the hash's query without adding a history entry per change of a select. */
export function setParams(path: string, params: Record<string, string | undefined>): void {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  history.replaceState(null, '', `#/${path}${text ? `?${text}` : ''}`);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
