import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Home } from './Home.jsx';
import { ListPage } from './ListPage.jsx';
import './styles.css';

/** Moves to another page of the app without reloading it. */
export function navigate(path) {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Two pages: the lists (/) and one list (/list/{spaceID}). */
function App() {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPopState = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const list = path.match(/^\/list\/([A-Za-z0-9_-]{1,64})\/?$/);
  return list ? <ListPage key={list[1]} spaceID={list[1]} /> : <Home />;
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
