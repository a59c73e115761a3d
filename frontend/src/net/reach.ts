// What answers at the page's address while the WebSocket cannot connect. A
// browser hides why a WebSocket failed, so a plain HTTP request to
// /api/status tells the banner which of these it is:
//   alive          Hearth is there and takes our token: only the socket
//                  broke, and replies keep running on the server.
//   down           nothing answers: Hearth is stopped (a restart comes back
//                  on the same address and token, and the page reconnects).
//   token_refused  Hearth is there but refuses our token: it was restarted
//                  with --new-token, or another Hearth took the address.
//   elsewhere      something that is not Hearth answers: Hearth started on
//                  another port because this one was taken.
//   unknown        not asked yet, or no clear answer (the desktop window,
//                  a request that timed out).

export type Reach = 'unknown' | 'alive' | 'down' | 'token_refused' | 'elsewhere';

/** Reads a reply of /api/status (the body parsed as JSON, or null when it is not JSON). */
export function classifyStatusReply(status: number, body: unknown): Reach {
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
  if (status === 200 && obj && 'protocol' in obj) return 'alive';
  const err = obj?.error && typeof obj.error === 'object' ? (obj.error as Record<string, unknown>) : null;
  if (status === 401 && err?.reason === 'unauthorized') return 'token_refused';
  // A Hearth refusing for another reason (a foreign Host, say) is still
  // Hearth at this address; anything else is another program.
  if (err && typeof err.reason === 'string') return 'alive';
  return 'elsewhere';
}

export interface ProbeOptions {
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

/** Asks the server at `http` (with a trailing slash) who it is; never throws. */
export async function probeServer(http: string, token: string, opts: ProbeOptions = {}): Promise<Reach> {
  const f = opts.fetchImpl ?? fetch;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), opts.timeoutMs ?? 5000);
  try {
    let res: Response;
    try {
      res = await f(`${http}api/status`, {
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
        signal: ctl.signal,
      });
    } catch {
      // Refused or reset: nothing listens. A timeout says nothing sure.
      return ctl.signal.aborted ? 'unknown' : 'down';
    }
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    return classifyStatusReply(res.status, body);
  } finally {
    clearTimeout(timer);
  }
}
