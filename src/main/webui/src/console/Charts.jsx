import { memo, useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { CHARTS, HOUR_MS, summaryOf, toPlotData } from './charts.js';
import { formatNumber } from './format.js';
import { useLoad } from './hooks.js';

/**
 * Pushes, pokes, sockets and poke latency over the last hour, from the metrics history of the machine that answers
 * (each machine keeps its own, from its start).
 */
export const Charts = memo(function Charts() {
  const history = useLoad((api, signal) => api.get('/api/metrics/history', {}, signal), [], 10_000);
  const series = useMemo(() => {
    const now = Date.now();
    return Object.fromEntries(CHARTS.map((chart) => [chart.series, toPlotData(history.data?.series?.[chart.series], now)]));
  }, [history.data]);
  return (
    <section aria-labelledby="charts-heading" className="panel charts">
      <h2 id="charts-heading">Last hour <span className="count">on this machine</span></h2>
      {history.error && !history.data && (history.error.status === 404
        ? <p className="hint">This server keeps no metrics history.</p>
        : <p role="alert" className="error">Could not load the history: {history.error.message}.</p>)}
      {!history.data && !history.error && <p className="hint">Loading…</p>}
      {history.data && (
        <div className="chart-grid">
          {CHARTS.map((chart) => (
            <Chart key={chart.series} {...chart} data={series[chart.series]} />
          ))}
        </div>
      )}
    </section>
  );
});

function Chart({ title, unit, data }) {
  const box = useRef(null);
  const plot = useRef(null);
  const { latest, max } = summaryOf(data);
  const described = latest === null ? `${title}: no data in the last hour`
    : `${title}: ${formatNumber(latest)}${unit} now, at most ${formatNumber(max)}${unit} in the last hour`;

  useEffect(() => {
    const element = box.current;
    plot.current = new uPlot({
      width: element.clientWidth || 260,
      height: 96,
      legend: { show: false },
      cursor: { y: false, points: { size: 6 } },
      scales: {
        // Always the whole hour up to the latest point: a machine that started a few minutes ago shows as much.
        x: { time: true, range: (u, low, high) => [(high ?? Date.now() / 1000) - HOUR_MS / 1000, high ?? Date.now() / 1000] },
        y: { range: (u, low, high) => [0, Math.max(1, (high ?? 0) * 1.1)] },
      },
      axes: [
        { stroke: '#5b6270', grid: { stroke: '#e6e8ee' }, ticks: { show: false }, size: 22, font: '11px system-ui' },
        { stroke: '#5b6270', grid: { stroke: '#e6e8ee' }, ticks: { show: false }, size: 40, font: '11px system-ui' },
      ],
      series: [{}, { stroke: '#2f6fed', width: 1.5, fill: 'rgba(47, 111, 237, 0.12)', spanGaps: false }],
    }, [[], []], element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height: 96 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart" data-testid="chart">
      <figcaption>
        <span>{title}</span>
        <strong>{latest === null ? '–' : `${formatNumber(latest)}${unit}`}</strong>
      </figcaption>
      <div ref={box} role="img" aria-label={described} />
    </figure>
  );
}
