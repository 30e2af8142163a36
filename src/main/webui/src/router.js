// A tiny path router: the app has two pages, / and /list/{spaceID}, and moves between them without reloading. Paths
// under /console belong to the operator console, a bundle of its own loaded only there.
import { useEffect, useState } from 'react';

/** Shows another page of the app, adding it to the history. */
export function navigate(path) {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The current path; re-renders on navigation and on the browser's back and forward. */
export function usePath() {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPopState = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);
  return path;
}

/** The list a path shows, or null for the home page. */
export function spaceOf(path) {
  return path.match(/^\/list\/([A-Za-z0-9_-]{1,64})\/?$/)?.[1] ?? null;
}

/** Whether a path is one of the operator console's (/console and below), which the todo app leaves to the console. */
export function isConsolePath(path) {
  return /^\/console(\/|$)/.test(path);
}

/**
 * A click handler for an in-app link: a plain click navigates in place; a click with a modifier key (new tab, new
 * window, download) or another button is left to the browser.
 */
export function followLink(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href'));
}
