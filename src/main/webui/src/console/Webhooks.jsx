import { useState } from 'react';
import { formatAge, formatCount, formatDateTime } from './format.js';
import { useApi, useLoad } from './hooks.js';

const DEAD_SHOWN = 50;

/** The webhook endpoints, with what each has delivered and how far behind it is, and the dead deliveries. */
export function Webhooks() {
  const endpoints = useLoad((api, signal) => api.get('/api/webhooks', {}, signal), [], 5000);
  const dead = useLoad((api, signal) => api.get('/api/webhooks/dead', { limit: DEAD_SHOWN }, signal), [], 10_000);
  const list = endpoints.data?.endpoints ?? [];
  return (
    <div className="webhooks">
      <h1>Webhooks</h1>
      <section aria-labelledby="endpoints-heading" className="panel">
        <h2 id="endpoints-heading">Endpoints</h2>
        {endpoints.error && <p role="alert" className="error">Could not load the endpoints: {endpoints.error.message}.</p>}
        {endpoints.data && list.length === 0 && <p className="hint">No webhook endpoint is configured.</p>}
        {list.length > 0 && (
          <div className="table-wrap">
            <table data-testid="endpoints">
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">URL</th>
                  <th scope="col" className="num">Delivered</th>
                  <th scope="col" className="num">Pending</th>
                  <th scope="col" className="num">Failed</th>
                  <th scope="col" className="num">Dead</th>
                  <th scope="col" className="num">Lag</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {list.map((endpoint) => (
                  <tr key={endpoint.name}>
                    <th scope="row">{endpoint.name}</th>
                    <td><code>{endpoint.url}</code></td>
                    <td className="num">{formatCount(endpoint.delivered)}</td>
                    <td className="num">{formatCount(endpoint.pending)}</td>
                    <td className="num">{formatCount(endpoint.failed)}</td>
                    <td className="num">{formatCount(endpoint.dead)}</td>
                    <td className="num">{formatAge(endpoint.lagMs)}</td>
                    <td className="wrap">{endpoint.lastError ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <DeadDeliveries dead={dead} />
    </div>
  );
}

function DeadDeliveries({ dead }) {
  const api = useApi();
  const [retrying, setRetrying] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const list = dead.data?.dead ?? [];

  async function retry(delivery) {
    setRetrying(delivery.id);
    setOutcome(null);
    try {
      await api.post(`/api/webhooks/dead/${encodeURIComponent(delivery.id)}/retry`);
      setOutcome({ ok: true, text: `Delivery ${delivery.id} is queued again; it goes out within moments.` });
      dead.reload();
    } catch (error) {
      setOutcome({ ok: false, text: `Could not retry delivery ${delivery.id}: ${error.message}.` });
    } finally {
      setRetrying(null);
    }
  }

  return (
    <section aria-labelledby="dead-heading" className="panel">
      <h2 id="dead-heading">Dead deliveries</h2>
      {outcome && <p role="status" className={outcome.ok ? 'meta' : 'error'}>{outcome.text}</p>}
      {dead.error && <p role="alert" className="error">Could not load the dead deliveries: {dead.error.message}.</p>}
      {dead.data && list.length === 0 && <p className="hint">No dead deliveries.</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table data-testid="dead">
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Space</th>
                <th scope="col" className="num">Versions</th>
                <th scope="col" className="num">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Died</th>
                <th scope="col"><span className="visually-hidden">Action</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row"><code>{delivery.id}</code></th>
                  <td>{delivery.endpoint}</td>
                  <td><code>{delivery.spaceID}</code></td>
                  <td className="num">{formatCount(delivery.fromVersion)}–{formatCount(delivery.toVersion)}</td>
                  <td className="num">{formatCount(delivery.attempts)}</td>
                  <td className="wrap">{delivery.lastError ?? '–'}</td>
                  <td>{delivery.diedAt ? formatDateTime(Date.parse(delivery.diedAt)) : '–'}</td>
                  <td>
                    <button type="button" disabled={retrying !== null} onClick={() => retry(delivery)}
                      aria-label={`Retry delivery ${delivery.id}`}>
                      {retrying === delivery.id ? 'Retrying…' : 'Retry'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
