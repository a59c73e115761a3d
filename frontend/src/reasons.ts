// Refusal reasons in words a person can act on. The server's own `detail`
// sentence is kept when we have nothing better to say.
//
// The reasons the server sends, and their words, come from the Go table
// (protocol.Reasons, generated into protocol.gen.ts), so this list cannot name
// a reason the server never sends nor miss one it does. Only the failures the
// UI itself names are written here.

import { SERVER_REASONS, type ServerReason } from './protocol';

/** Failures only the UI sees (the network, the socket, its own timers); the server never sends these. */
const CLIENT_REASONS = {
  network: 'The Hearth server could not be reached.',
  offline: 'Not connected to the Hearth server.',
  disconnected: 'The connection dropped before the server answered.',
  connection_lost: 'The connection dropped before the server confirmed this message. It was not sent.',
  timeout: 'The server did not answer in time.',
  aborted: 'Cancelled.',
  /** An HTTP refusal without a reason the UI can read (a proxy's, say). */
  http_error: 'The Hearth server refused the request.',
  bad_reply: 'The server sent an unreadable reply.',
  /** Something in the UI threw; its message is the detail. */
  error: 'Something went wrong.',
} as const;

export type ClientReason = keyof typeof CLIENT_REASONS;
/** Every reason the UI shows: mint one that is not in either list and the build fails. */
export type Reason = ServerReason | ClientReason;

type Assert<T extends true> = T;
/** A client reason the server starts sending belongs to the server's table: drop it here. */
export type ClientReasonsAreNotServerReasons = Assert<[Extract<ClientReason, ServerReason>] extends [never] ? true : false>;

const TEXT: Record<Reason, string> = { ...SERVER_REASONS, ...CLIENT_REASONS };

/** Reasons this build knows; anything else is a server newer than the page. */
function isReason(reason: string): reason is Reason {
  return Object.prototype.hasOwnProperty.call(TEXT, reason);
}

/**
 * Words for a refusal. `reason` is a string, not a Reason, because the server
 * it came from may be newer than this page; an unknown reason is said from its
 * name.
 */
export function reasonText(reason: Reason | (string & {}), detail?: string): string {
  // The server's own sentence is the most precise; our words stand in when it
  // gave none.
  const d = (detail ?? '').trim();
  if (d) return capitalise(d) + (/[.!?]$/.test(d) ? '' : '.');
  if (isReason(reason)) return TEXT[reason];
  return capitalise(reason.replace(/_/g, ' ')) + '.';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
