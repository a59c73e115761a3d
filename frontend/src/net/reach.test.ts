import { describe, expect, it } from 'vitest';
import { classifyStatusReply, probeServer } from './reach';

describe('classifyStatusReply', () => {
  it('tells Hearth with our token, Hearth refusing it, and another program apart', () => {
    expect(classifyStatusReply(200, { version: 'dev', clients: 1, protocol: 1 })).toBe('alive');
    expect(classifyStatusReply(401, { error: { reason: 'unauthorized', detail: 'missing or wrong token' } })).toBe('token_refused');
    expect(classifyStatusReply(403, { error: { reason: 'forbidden_host', detail: '' } })).toBe('alive');
    expect(classifyStatusReply(404, null)).toBe('elsewhere');
    expect(classifyStatusReply(200, { hello: 'another app' })).toBe('elsewhere');
    expect(classifyStatusReply(401, { message: 'login first' })).toBe('elsewhere');
  });
});

describe('probeServer', () => {
  const reply = (status: number, body: string) =>
    (async () => new Response(body, { status })) as unknown as typeof fetch;

  it('asks /api/status with the token', async () => {
    let seen = '';
    let auth = '';
    const f = (async (url: string, init: RequestInit) => {
      seen = url;
      auth = new Headers(init.headers).get('Authorization') ?? '';
      return new Response('{"protocol":1}', { status: 200 });
    }) as unknown as typeof fetch;
    expect(await probeServer('http://127.0.0.1:5/', 'tok', { fetchImpl: f })).toBe('alive');
    expect(seen).toBe('http://127.0.0.1:5/api/status');
    expect(auth).toBe('Bearer tok');
  });

  it('reads a refused connection as down and a page that is not JSON as another program', async () => {
    const refused = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    expect(await probeServer('http://h/', 't', { fetchImpl: refused })).toBe('down');
    expect(await probeServer('http://h/', 't', { fetchImpl: reply(404, '<h1>Not Found</h1>') })).toBe('elsewhere');
    expect(await probeServer('http://h/', 't', { fetchImpl: reply(401, '{"error":{"reason":"unauthorized"}}') })).toBe('token_refused');
  });

  it('says nothing sure when the server does not answer in time', async () => {
    const hang = ((_: string, init: RequestInit) =>
      new Promise((_res, rej) => init.signal?.addEventListener('abort', () => rej(new DOMException('aborted', 'AbortError'))))) as unknown as typeof fetch;
    expect(await probeServer('http://h/', 't', { fetchImpl: hang, timeoutMs: 10 })).toBe('unknown');
  });
});
