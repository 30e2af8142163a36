import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Home } from './Home.jsx';
import { ListPage } from './ListPage.jsx';
import { spaceOf, usePath } from './router.js';
import { adoptTokenFromURL } from './sync/auth.js';
import './styles.css';

/** Two pages: the lists (/) and one list (/list/{spaceID}). */
function App() {
  const spaceID = spaceOf(usePath());
  return spaceID ? <ListPage key={spaceID} spaceID={spaceID} /> : <Home />;
}

adoptTokenFromURL();

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
