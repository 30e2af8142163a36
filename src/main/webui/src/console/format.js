// How the console writes numbers, ages, times and values.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A count: 12,345. A dash when there is no number. */
export function formatCount(value) {
  return Number.isFinite(value) ? integer.format(value) : '–';
}

/** A rate or a measure: one decimal below 100, whole numbers above. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) {
    return '–';
  }
  return Math.abs(value) < 100 ? decimal.format(value) : integer.format(value);
}

/** An age in milliseconds, short: 850 ms, 4.2 s, 12 s, 3 min, 5 h, 2 d. */
export function formatAge(ms) {
  if (!Number.isFinite(ms) || ms < 0) {
    return '–';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 10_000) {
    return `${decimal.format(Math.floor(ms / 100) / 10)} s`;
  }
  if (ms < 60_000) {
    return `${Math.floor(ms / 1000)} s`;
  }
  if (ms < 3_600_000) {
    return `${Math.floor(ms / 60_000)} min`;
  }
  if (ms < 86_400_000) {
    return `${Math.floor(ms / 3_600_000)} h`;
  }
  return `${Math.floor(ms / 86_400_000)} d`;
}

/** A time of day, to the second, in the browser's zone: 14:03:27. */
export function formatClock(epochMs) {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? '–' : date.toLocaleTimeString('en-GB', { hour12: false });
}

/** A date and time, to the minute, in the browser's zone: 02/12/2026, 14:03. */
export function formatDateTime(epochMs) {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? '–'
    : date.toLocaleString('en-GB', { hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** How many characters of a value the console shows at most: a huge value must not freeze the page. */
export const MAX_VALUE_CHARS = 20_000;

/** A JSON value indented for reading, cut at `max` characters with a note of how much was left out. */
export function prettyJson(value, max = MAX_VALUE_CHARS) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  if (text.length <= max) {
    return text;
  }
  return `${text.slice(0, max)}\n… ${formatCount(text.length - max)} more characters`;
}

/** "1 socket", "2 sockets". */
export function plural(count, word) {
  return `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;
}

/** A JSON value on one line, cut at `max` characters with an ellipsis: a preview beside a key. */
export function oneLine(value, max = 80) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
