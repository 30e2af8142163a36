// The traffic history the charts draw: the server's series of [epochMs, value] turned into what uPlot takes.

/** The charts, in the order shown: the history's series name, a title, and the unit of its values. */
export const CHARTS = [
  { series: 'pushesPerSecond', title: 'Pushes', unit: '/s' },
  { series: 'pokesPerSecond', title: 'Pokes', unit: '/s' },
  { series: 'sockets', title: 'Sockets', unit: '' },
  { series: 'pokeLatencyP99Ms', title: 'Poke latency p99', unit: ' ms' },
];

export const HOUR_MS = 3_600_000;

/**
 * One series as uPlot's data, [seconds[], values[]], keeping the points of the hour up to `nowMs` in time order; a
 * point that is not [finite number, finite number or null] is left out.
 */
export function toPlotData(points, nowMs, spanMs = HOUR_MS) {
  const kept = (Array.isArray(points) ? points : [])
    .filter((point) => Array.isArray(point) && Number.isFinite(point[0]) && (point[1] === null || Number.isFinite(point[1])))
    .filter(([at]) => at > nowMs - spanMs && at <= nowMs)
    .sort((a, b) => a[0] - b[0]);
  return [kept.map(([at]) => at / 1000), kept.map(([, value]) => value)];
}

/** The latest value and the largest of a series' data, for its caption and its text alternative. */
export function summaryOf([, values]) {
  const numbers = values.filter((value) => value !== null);
  return {
    latest: numbers.length > 0 ? numbers[numbers.length - 1] : null,
    max: numbers.length > 0 ? Math.max(...numbers) : null,
  };
}
