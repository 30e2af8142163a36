// A WebSocket as the room client sees it, driven by the test in the server's place: what the client sent, and the
// server's side (accept, frames, drops).

export class FakeSocket {
  static all = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.closedWith = null;
    FakeSocket.all.push(this);
  }

  send(text) {
    if (this.readyState !== 1) {
      throw new Error('send on a socket that is not open');
    }
    this.sent.push(JSON.parse(text));
  }

  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 2; // closing: the close event comes later (or never, on a dead network)
  }

  /** The frames of one messageType the client sent. */
  of(type) {
    return this.sent.filter((frame) => frame.messageType === type);
  }

  hellos() {
    return this.of('hello');
  }

  // What the server does:
  accept() {
    this.readyState = 1;
    this.onopen?.();
    this.receive({ data: 'hello' });
  }

  receive(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}
