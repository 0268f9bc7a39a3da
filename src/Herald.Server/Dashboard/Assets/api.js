// Requests to Herald's HTTP API with the operator's key. Every failure becomes an ApiError that
// carries the HTTP status (0 when the server did not answer) and the problem's own words
// (RFC 9457 title and detail), so the page can tell a wrong key from a missing scope from a
// server that is gone, and say which.

const REQUEST_TIMEOUT_MS = 10_000;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  #headers;

  constructor(key) {
    try {
      this.#headers = new Headers({ Authorization: `Bearer ${key}`, Accept: 'application/json' });
    } catch {
      // Headers refuses characters outside Latin-1 and line breaks: no configured key has them.
      throw new ApiError(401, 'That key holds characters an HTTP header cannot carry.');
    }
  }

  get(path) {
    return this.#send('GET', path);
  }

  delete(path) {
    return this.#send('DELETE', path);
  }

  async #send(method, path) {
    let response;
    try {
      response = await fetch(`/api/v1/${path}`, {
        method,
        headers: this.#headers,
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw new ApiError(0, 'The server did not answer.');
    }
    if (response.status === 204) return null;
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, describe(response.status, body));
    return body;
  }
}

function describe(status, problem) {
  const words = [problem?.title, problem?.detail].filter(Boolean).join(': ');
  return `${status} ${words || 'request failed'}`;
}
