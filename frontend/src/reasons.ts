// Server refusal reasons in words a person can act on. The server's own
// `detail` sentence is kept when we have nothing better to say.

const TEXT: Record<string, string> = {
  busy: 'A reply is still being written in this chat.',
  queue_full: 'Too many messages are already waiting in this chat. Wait for them, or cancel some.',
  not_running: 'Nothing is running in this chat.',
  provider_unreachable: 'The model server cannot be reached.',
  unauthorized: 'The Hearth server refused the access token. Open the link that `hearth serve` printed.',
  too_large: 'The file is too large.',
  file_too_large: 'The file is too large.',
  too_many: 'Too many attachments for one message.',
  too_many_images: 'Too many images for one message (at most 4).',
  too_many_videos: 'Only one video per message.',
  unsupported_type: 'This kind of file is not accepted (allowed: PNG, JPEG, WebP, GIF, MP4, WebM, QuickTime).',
  unsupported_media: 'This kind of file is not accepted (allowed: PNG, JPEG, WebP, GIF, MP4, WebM, QuickTime).',
  unsupported_media_type: 'This kind of file is not accepted (allowed: PNG, JPEG, WebP, GIF, MP4, WebM, QuickTime).',
  svg_refused: 'SVG images are refused, as they can carry scripts.',
  empty: 'The file is empty.',
  not_found: 'It no longer exists.',
  chat_not_found: 'This chat no longer exists.',
  network: 'The Hearth server could not be reached.',
  offline: 'Not connected to the Hearth server.',
  disconnected: 'The connection dropped before the server answered.',
  connection_lost: 'The connection dropped before the server confirmed this message. It was not sent.',
  timeout: 'The server did not answer in time.',
  aborted: 'Cancelled.',
};

export function reasonText(reason: string, detail?: string): string {
  // The server's own sentence is the most precise; our words stand in when it
  // gave none.
  const d = (detail ?? '').trim();
  if (d) return capitalise(d) + (/[.!?]$/.test(d) ? '' : '.');
  const known = TEXT[reason];
  if (known) return known;
  return capitalise(reason.replace(/_/g, ' ')) + '.';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
