import { describe, expect, it } from 'vitest';
import { initialState, reduce } from './store';
import { pickModel, providerState, settingsErrorWords, userWords } from './provider';

describe('provider_status', () => {
  it('takes the server away and back, with its models, without anyone asking', () => {
    let s = reduce(initialState(), { type: 'models_loaded', items: ['old'] });
    expect(providerState(s.models)).toBe('ok');
    s = reduce(s, {
      type: 'server',
      now: 0,
      ev: { event: 'provider_status', state: 'unreachable', reason: 'provider_unreachable', detail: 'Cannot reach it.', provider: 'openai', provider_url: 'http://x/v1' },
    });
    expect(providerState(s.models)).toBe('unreachable');
    expect(s.models.items).toEqual([]);
    expect(s.models.url).toBe('http://x/v1');
    expect(s.models.error).toEqual({ reason: 'provider_unreachable', detail: 'Cannot reach it.' });
    s = reduce(s, { type: 'models_loading' });
    expect(providerState(s.models)).toBe('unreachable');
    s = reduce(s, {
      type: 'server',
      now: 0,
      ev: { event: 'provider_status', state: 'ok', provider: 'openai', provider_url: 'http://x/v1', items: [{ id: 'a' }, { id: 'b' }] },
    });
    expect(providerState(s.models)).toBe('ok');
    expect(s.models.items).toEqual(['a', 'b']);
    s = reduce(s, { type: 'server', now: 0, ev: { event: 'provider_status', state: 'error', reason: 'provider_error', detail: 'Refused (401).' } });
    expect(providerState(s.models)).toBe('error');
  });

  it('is checking before anything is known', () => {
    expect(providerState(initialState().models)).toBe('checking');
  });
});

describe('userWords', () => {
  it('names the settings dialog where the server names flags', () => {
    expect(
      userWords(
        'Cannot reach the model server at http://127.0.0.1:9/v1 (connection refused). Is the model server running? Start it, or set --provider-url (HEARTH_PROVIDER_URL) to the right address.',
      ),
    ).toBe(
      'Cannot reach the model server at http://127.0.0.1:9/v1 (connection refused). Is the model server running? Start it, or set the Server URL in Settings to the right address.',
    );
    expect(userWords('Check the API key (--api-key or HEARTH_API_KEY).')).toBe('Check the API key in Settings.');
    expect(userWords('Check --model (HEARTH_MODEL); `hearth models` lists what the server offers.')).toBe(
      'Check the model menu; the model menu lists what the server offers.',
    );
    expect(userWords('nothing to change')).toBe('nothing to change');
  });
});

describe('settingsErrorWords', () => {
  it('says the field by its label, never Provider_url', () => {
    expect(settingsErrorWords('provider_url must start with http:// or https://')).toBe('Server URL must start with http:// or https://');
    expect(settingsErrorWords('provider URL "x" is not a URL (from config file /c.toml).')).toBe(
      'Server URL "x" is not a URL (from config file /c.toml).',
    );
    expect(settingsErrorWords('provider "x" is not supported: use openai or ollama')).toBe(
      'Protocol "x" is not supported: use openai or ollama',
    );
  });
});

describe('pickModel', () => {
  it('replaces a model the server does not offer in a chat where nothing was said', () => {
    expect(pickModel('llama3.2', ['a', 'b'], 'llama3.2', true)).toBe('a');
    expect(pickModel('llama3.2', ['a', 'b'], 'b', true)).toBe('b');
  });
  it('keeps an offered model, a chat with history, and anything while nothing is offered', () => {
    expect(pickModel('b', ['a', 'b'], 'a', true)).toBe('b');
    expect(pickModel('gone', ['a'], 'a', false)).toBe('gone');
    expect(pickModel('llama3.2', [], 'llama3.2', true)).toBe('llama3.2');
  });
});
