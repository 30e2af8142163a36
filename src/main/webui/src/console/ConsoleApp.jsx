import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { followLink, usePath } from '../router.js';
import { authMessage, createApi } from './api.js';
import { cleanCredential, clearCredential, credentialProblem, loadCredential, saveCredential } from './credential.js';
import { ApiContext } from './hooks.js';
import { Overview } from './Overview.jsx';
import { consoleRoute } from './routes.js';
import { SpacePage } from './SpacePage.jsx';
import { Webhooks } from './Webhooks.jsx';
import './console.css';

/**
 * The operator console. In token mode it asks for a server credential first, and comes back to that question with the
 * server's reason whenever the server refuses the credential (401 or 403). In open mode it opens at once.
 */
export default function ConsoleApp() {
  const path = usePath();
  const [credential, setCredential] = useState(() => loadCredential());
  const [refusal, setRefusal] = useState(null); // why the login is shown: null while the server accepts us
  const [checked, setChecked] = useState(false);
  const credentialRef = useRef(credential);
  credentialRef.current = credential;

  const onAuthError = useCallback((status) => {
    const had = credentialRef.current !== '';
    clearCredential();
    setCredential('');
    setRefusal(authMessage(status, had));
  }, []);
  const api = useMemo(() => createApi({ credential: () => credentialRef.current, onAuthError }), [onAuthError]);

  // One call before anything is shown: tells open mode (it answers) from token mode (401 without a credential).
  useEffect(() => {
    if (refusal !== null) {
      return undefined;
    }
    const controller = new AbortController();
    setChecked(false);
    api.get('/api/machines', {}, controller.signal)
      .then(() => setChecked(true))
      .catch((error) => {
        if (error?.name !== 'AbortError') {
          setChecked(true); // not the credential: the pages show what failed
        }
      });
    return () => controller.abort();
  }, [api, refusal, credential]);

  function signIn(token) {
    saveCredential(token);
    setCredential(token);
    setRefusal(null);
  }

  function signOut() {
    clearCredential();
    setCredential('');
    setRefusal('Signed out.');
  }

  const route = consoleRoute(path);
  useEffect(() => {
    document.title = `${route.page === 'space' ? `Space ${route.spaceID}` : 'Console'} · replicache-quarkus`;
  }, [route.page, route.spaceID]);

  if (refusal !== null) {
    return <Login message={refusal} onSignIn={signIn} />;
  }
  return (
    <ApiContext.Provider value={api}>
      <div className="console">
        <a className="skip-link" href="#console-main">Skip to content</a>
        <header className="console-bar">
          <a className="brand" href="/console" onClick={followLink}>replicache-quarkus <span>console</span></a>
          <nav aria-label="Console">
            <a href="/console" onClick={followLink} aria-current={route.page === 'overview' ? 'page' : undefined}>
              Overview
            </a>
            <a href="/console/webhooks" onClick={followLink}
              aria-current={route.page === 'webhooks' ? 'page' : undefined}>Webhooks</a>
          </nav>
          <span className="mode">{checked && (credential ? 'Signed in with a server credential' : 'Open mode')}</span>
          {credential && <button type="button" onClick={signOut}>Sign out</button>}
        </header>
        <main id="console-main" className="console-main" tabIndex={-1} aria-busy={!checked}>
          {!checked && <p className="hint">Connecting to the server…</p>}
          {checked && route.page === 'overview' && <Overview />}
          {checked && route.page === 'webhooks' && <Webhooks />}
          {checked && route.page === 'space' && <SpacePage key={route.spaceID} spaceID={route.spaceID} />}
          {checked && route.page === 'missing' && (
            <section>
              <h1>No such page</h1>
              <p><a href="/console" onClick={followLink}>Back to the overview</a></p>
            </section>
          )}
        </main>
      </div>
    </ApiContext.Provider>
  );
}

/** The login of token mode: one field for the server credential, which stays in this tab only. */
function Login({ message, onSignIn }) {
  const [typed, setTyped] = useState('');
  const [warning, setWarning] = useState(null);
  const fieldId = useId();
  const helpId = useId();
  const input = useRef(null);

  useEffect(() => {
    input.current?.focus();
  }, []);

  function submit(event) {
    event.preventDefault();
    const token = cleanCredential(typed);
    if (!token) {
      setWarning('Paste a server credential first.');
      return;
    }
    const problem = credentialProblem(token);
    if (problem && warning !== problem) {
      setWarning(problem); // the server may still take it (an application's own authorizer): a second click sends it
      return;
    }
    onSignIn(token);
  }

  const problemShown = warning !== null && warning !== 'Paste a server credential first.';
  return (
    <main className="console login">
      <form onSubmit={submit} className="login-card" aria-labelledby="login-heading">
        <h1 id="login-heading">replicache-quarkus console</h1>
        {message && <p role="alert" className="notice" data-testid="login-message">{message}</p>}
        <label htmlFor={fieldId}>Server credential</label>
        <textarea id={fieldId} ref={input} value={typed} rows={4} spellCheck={false} autoComplete="off"
          aria-describedby={helpId} onChange={(e) => {
            setTyped(e.target.value);
            setWarning(null);
          }} onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              submit(e);
            }
          }} />
        <p id={helpId} className="hint">
          A JWT with <code>"server": true</code>, signed with this deployment's key. It is kept in this tab only and
          sent as <code>Authorization: Bearer</code>.
        </p>
        {warning && <p role="alert" className="error">{warning}</p>}
        <button type="submit" className="primary">{problemShown ? 'Sign in anyway' : 'Sign in'}</button>
      </form>
    </main>
  );
}
