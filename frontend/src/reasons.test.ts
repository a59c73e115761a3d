import { describe, expect, it } from 'vitest';
import { ProtocolError } from './net/connection';
import { UploadError } from './net/upload';
import { SERVER_REASONS, type ServerReason } from './protocol';
import { type Reason, reasonText } from './reasons';

describe('reason words', () => {
  it('says every reason the server sends in the words of the server’s table', () => {
    const names = Object.keys(SERVER_REASONS) as ServerReason[];
    expect(names.length).toBeGreaterThan(25);
    for (const r of names) {
      expect(reasonText(r)).toBe(SERVER_REASONS[r]);
      expect(reasonText(r)).toMatch(/^[A-Z].*[.!?]$/);
    }
    expect(reasonText('too_many_images')).toBe('Too many images for one message.');
  });

  it('has words of its own for the failures only the UI sees', () => {
    const client: Reason[] = ['network', 'offline', 'disconnected', 'connection_lost', 'timeout', 'aborted', 'http_error', 'bad_reply', 'error'];
    for (const r of client) {
      expect(r in SERVER_REASONS).toBe(false);
      expect(reasonText(r)).toMatch(/^[A-Z].*[.!?]$/);
      expect(reasonText(r)).not.toBe(r.replace(/_/g, ' ') + '.');
    }
    expect(reasonText('offline')).toBe('Not connected to the Hearth server.');
  });

  it('no longer knows reasons nobody sends', () => {
    // These were in the hand-written list; the server never sent them.
    expect(reasonText('chat_not_found')).toBe('Chat not found.');
    expect(reasonText('file_too_large')).toBe('File too large.');
  });

  it('keeps the server’s detail over its own words', () => {
    expect(reasonText('busy', 'a reply is still being written')).toBe('A reply is still being written.');
  });

  it('does not build with a misspelt reason', () => {
    // The type checker (npm run typecheck) fails on each line below if the
    // reason were accepted; at run time they are plain errors.
    // @ts-expect-error — not a reason
    expect(new ProtocolError('not_foud', '').reason).toBe('not_foud');
    // @ts-expect-error — the server says not_found
    expect(new UploadError('chat_not_found', '', 404).reason).toBe('chat_not_found');
    // @ts-expect-error — no reason has that name, so the comparison cannot hold
    const isGone = (r: Reason) => r === 'file_too_large';
    expect(isGone('too_large')).toBe(false);
  });
});
