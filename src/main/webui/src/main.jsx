import { StrictMode, Suspense, lazy } from 'react';
import { createRoot } from 'react-dom/client';
import { Home } from './Home.jsx';
import { ListPage } from './ListPage.jsx';
import { isConsolePath, spaceOf, usePath } from './router.js';
import { adoptTokenFromURL } from './sync/auth.js';
import './styles.css';

// The operator console is a chunk of its own, with its chart library: the todo app never loads it.
const ConsoleApp = lazy(() => import('./console/ConsoleApp.jsx'));

/** Two pages: the lists (/) and one list (/list/{spaceID}); and the operator console under /console. */
function App() {
  const path = usePath();
  if (isConsolePath(path)) {
    return (
      <Suspense fallback={<p className="hint" role="status">Loading the console…</p>}>
        <ConsoleApp />
      </Suspense>
    );
  }
  const spaceID = spaceOf(path);
  return spaceID ? <ListPage key={spaceID} spaceID={spaceID} /> : <Home />;
}

adoptTokenFromURL();

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
