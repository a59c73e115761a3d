// The model server as the UI tells it (pure, like the store): its state for the status bar, errors
// in the words of this window (not the command line's), and which model a
// chat falls back to when the one it names is not offered.

import type { ModelsState } from './store';

export type ProviderState = 'checking' | 'ok' | 'unreachable' | 'error';

/** What the status bar says about the model server, from the model list's state. */
export function providerState(models: ModelsState): ProviderState {
  if (models.status === 'ok') return 'ok';
  if (models.status === 'error') return models.error?.reason === 'provider_unreachable' ? 'unreachable' : 'error';
  // Loading after a failure: the failure stands until the new answer.
  if (models.error) return models.error.reason === 'provider_unreachable' ? 'unreachable' : 'error';
  return 'checking';
}

/**
 * The server's sentences name flags and environment variables, which is right
 * in a terminal; in the window the same setting is a field of the settings
 * dialog, so say that instead.
 */
const SETTING_PHRASES: [RegExp, string][] = [
  [/set --provider-url \(HEARTH_PROVIDER_URL\) to/g, 'set the Server URL in Settings to'],
  [/Check --provider-url:/g, 'Check the Server URL in Settings:'],
  [/Check that --provider-url points/g, 'Check that the Server URL in Settings points'],
  [/Is --provider-url pointing/g, 'Is the Server URL in Settings pointing'],
  [/--provider-url \(HEARTH_PROVIDER_URL\)/g, 'the Server URL in Settings'],
  [/--provider-url/g, 'the Server URL in Settings'],
  [/\(--api-key or HEARTH_API_KEY\)/g, 'in Settings'],
  [/--model \(HEARTH_MODEL\)/g, 'the model menu'],
  [/start Hearth with --model NAME \(see `hearth models`\)/g, 'set a Default model in Settings'],
  [/`hearth models` lists what the server offers/g, 'the model menu lists what the server offers'],
  [/`hearth models` lists what it offers/g, 'the model menu lists what it offers'],
  [/pick one that `hearth models` lists/g, 'pick one from the model menu'],
  [/drop --provider ollama/g, 'choose the OpenAI-compatible protocol in Settings'],
  [/ \(--provider-idle-timeout, HEARTH_PROVIDER_IDLE_TIMEOUT\)/g, ''],
];

export function userWords(text: string): string {
  let out = text;
  for (const [re, words] of SETTING_PHRASES) out = out.replace(re, words);
  return out;
}

/** The settings form's fields by the names the server's refusals use. */
const FIELD_LABELS: [RegExp, string][] = [
  [/\bprovider_url\b/g, 'Server URL'],
  [/\bprovider URL\b/g, 'Server URL'],
  [/\bapi_key\b/g, 'API key'],
  [/^provider\b/, 'Protocol'],
  [/^model\b/, 'Default model'],
];

/** A refused save in the form's words: "Server URL must start with…", never "Provider_url…". */
export function settingsErrorWords(sentence: string): string {
  let out = sentence.trim();
  for (const [re, label] of FIELD_LABELS) out = out.replace(re, label);
  out = userWords(out);
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/**
 * The model the picker shows. A model the server does not offer stays shown
 * (marked) in a chat some model has answered; where none has (`fresh`: no
 * chat, nothing said, or only failed replies, as on a first run before the
 * URL was fixed) the default, or else the first offered model, takes its
 * place.
 */
export function pickModel(current: string, offered: readonly string[], defaultModel: string, fresh: boolean): string {
  if (!fresh || offered.length === 0 || offered.includes(current)) return current;
  if (defaultModel && offered.includes(defaultModel)) return defaultModel;
  return offered[0]!;
}
