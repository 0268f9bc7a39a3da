// One panel's requests: its list, asked on a timer and on demand (a new search, after a kick), and
// the operator's actions on it. Only the answer to the latest request is shown: a slow poll that
// returns after a refresh asked for later must not overwrite it.
//
// The panel shows two kinds of error: a failed poll, cleared by the next poll that succeeds, and
// a failed action, kept until the next action, so a refused kick is not wiped a moment later by
// the refresh that follows it. What a failure means is the session's call (see dashboard.js).

export class Poller {
  #every;
  #load;
  #show;
  #session;
  #errorElement;
  #timer;
  #latest = 0;
  #pollError = null;
  #actionError = null;

  /**
   * every: milliseconds from the end of one request to the next; load: () => Promise of the
   * answer; show: renders it; errorElement: where this panel's errors are shown.
   */
  constructor({ every, load, show, session, errorElement }) {
    this.#every = every;
    this.#load = load;
    this.#show = show;
    this.#session = session;
    this.#errorElement = errorElement;
    session.signal.addEventListener('abort', () => clearTimeout(this.#timer));
  }

  async refresh() {
    if (this.#session.signal.aborted) return;
    clearTimeout(this.#timer);
    const request = ++this.#latest;
    const current = () => request === this.#latest && !this.#session.signal.aborted;
    try {
      const answer = await this.#load();
      if (!current()) return;
      this.#session.answered();
      this.#showErrors({ poll: null });
      this.#show(answer);
    } catch (error) {
      if (current()) this.#showErrors({ poll: this.#session.failed(error) });
    } finally {
      if (current()) this.#timer = setTimeout(() => this.refresh(), this.#every);
    }
  }

  /** Runs an operator's action, such as a DELETE, then asks for the list again. */
  async act(action) {
    this.#showErrors({ action: null });
    try {
      await action();
    } catch (error) {
      this.#showErrors({ action: this.#session.failed(error) });
    }
    await this.refresh();
  }

  #showErrors({ poll = this.#pollError, action = this.#actionError }) {
    this.#pollError = poll;
    this.#actionError = action;
    const message = [action, poll].filter(Boolean).join(' ');
    this.#errorElement.textContent = message;
    this.#errorElement.hidden = message === '';
  }
}
