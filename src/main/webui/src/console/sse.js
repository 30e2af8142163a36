// Server-Sent Events read with fetch() rather than EventSource, which cannot send an Authorization header: a parser of
// the event-stream format, a reader of one stream, and a follower that reconnects with backoff.

/**
 * Parses the text of an event stream as it arrives, in chunks cut anywhere, and calls onEvent({event, data, id}) for
 * each complete event. Lines end with CRLF, LF or CR; lines that start with ':' are comments; a blank line ends an
 * event, and an event without data is not dispatched. A stream that ends mid-event drops that event.
 */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.started = false;
    this.pendingCR = false; // the last chunk ended with CR: an LF opening the next one belongs to it
    this.reset();
  }

  reset() {
    this.data = [];
    this.event = '';
  }

  push(chunk) {
    let text = chunk;
    if (this.pendingCR && text.startsWith('\n')) {
      text = text.slice(1);
    }
    this.pendingCR = false;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== '\n' && char !== '\r') {
        continue;
      }
      this.line(this.buffer.slice(start, i));
      if (char === '\r') {
        if (i + 1 === this.buffer.length) {
          this.pendingCR = true;
        } else if (this.buffer[i + 1] === '\n') {
          i++;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  line(line) {
    if (line === '') {
      if (this.data.length > 0) {
        this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.id ?? null });
      }
      this.reset();
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'data') {
      this.data.push(value);
    } else if (field === 'event') {
      this.event = value;
    } else if (field === 'id' && !value.includes('\0')) {
      this.id = value;
    }
  }
}

/** A reply that was not a stream: its status says why (401 and 403 mean the credential). */
export class StreamError extends Error {
  constructor(status) {
    super(`the server answered ${status}`);
    this.status = status;
  }
}

/**
 * Reads one event stream to its end. Resolves when the server ends it; rejects with a StreamError when the reply is
 * not 2xx, or with the fetch's error (an AbortError when the signal aborts).
 */
export async function readEventStream(url, { headers = {}, signal, onOpen, onEvent, fetch = globalThis.fetch }) {
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal, cache: 'no-store' });
  if (!response.ok || !response.body) {
    response.body?.cancel().catch(() => {});
    throw new StreamError(response.status);
  }
  onOpen?.();
  const parser = new SseParser(onEvent);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** The wait before reconnecting after `failures` failures in a row: doubling from base up to max, jittered by half. */
export function backoffDelay(failures, { base = 500, max = 15_000, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.min(failures, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Follows an event stream: reads it, and whenever it ends or fails, reconnects after a backoff delay (reset by every
 * stream that opens). A 401 or 403 is not retried: onAuthError(status) is called and following stops. onStatus is
 * told 'connecting', 'open' and 'waiting' (with the delay). Returns what stops it.
 */
export function followEventStream(url, { headers = () => ({}), onEvent, onStatus = () => {}, onAuthError = () => {},
  fetch = globalThis.fetch, delay = backoffDelay, setTimer = setTimeout, clearTimer = clearTimeout }) {
  const controller = new AbortController();
  let failures = 0;
  let timer = null;

  const connect = async () => {
    timer = null;
    onStatus('connecting');
    try {
      await readEventStream(url, {
        headers: headers(),
        signal: controller.signal,
        fetch,
        onEvent,
        onOpen: () => {
          failures = 0;
          onStatus('open');
        },
      });
    } catch (error) {
      if (controller.signal.aborted) {
        return;
      }
      if (error instanceof StreamError && (error.status === 401 || error.status === 403)) {
        onStatus('stopped');
        onAuthError(error.status);
        return;
      }
      failures++;
    }
    if (controller.signal.aborted) {
      return;
    }
    const wait = delay(failures);
    onStatus('waiting', wait);
    timer = setTimer(connect, wait);
  };
  connect();

  return () => {
    controller.abort();
    if (timer !== null) {
      clearTimer(timer);
    }
  };
}
