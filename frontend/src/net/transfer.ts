// Chats out and in over HTTP: GET /api/chats/{id}/export?format=md|json and
// POST /api/import, with the bearer token like uploads.

import type { Chat } from '../protocol';
import type { Endpoint } from './endpoint';
import { UploadError, parseRefusal } from './upload';

export type ExportFormat = 'md' | 'json';

/** The file a chat downloads to: its title made safe as a file name on every system. */
export function exportFileName(title: string | undefined, format: ExportFormat): string {
  const base =
    (title ?? '')
      // Characters Windows, macOS or Linux refuse in a name, and control characters.
      // eslint-disable-next-line no-control-regex
      .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      // A leading dot hides the file; trailing dots and spaces Windows drops.
      .replace(/^[.\s]+|[.\s]+$/g, '')
      .slice(0, 100)
      .trim() || 'Hearth chat';
  return `${base}.${format}`;
}

/** A dropped file that is (by its type or name) a chat export to import rather than an attachment. */
export function isChatExportFile(f: { name: string; type: string }): boolean {
  return f.type === 'application/json' || /\.json$/i.test(f.name);
}

/**
 * Whether a drag carries a chat export. While dragging, browsers show only
 * the files' types, not their names: a JSON file is told apart by its type.
 */
export function dragCarriesChatExport(dt: Pick<DataTransfer, 'items' | 'types'> | null): boolean {
  if (!dt || !Array.from(dt.types).includes('Files')) return false;
  return Array.from(dt.items).some((it) => it.kind === 'file' && it.type === 'application/json');
}

function authHeaders(ep: Endpoint): HeadersInit {
  return { Authorization: `Bearer ${ep.token}` };
}

async function refusal(res: Response): Promise<UploadError> {
  return parseRefusal(res.status, await res.text().catch(() => ''));
}

/** The chat as a file, in the given format. */
export async function fetchExport(ep: Endpoint, chatId: string, format: ExportFormat): Promise<Blob> {
  const url = new URL(`api/chats/${encodeURIComponent(chatId)}/export`, ep.http);
  url.searchParams.set('format', format);
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(ep), cache: 'no-store' });
  } catch {
    throw new UploadError('network', 'The export could not reach the Hearth server.', 0);
  }
  if (!res.ok) throw await refusal(res);
  return res.blob();
}

/** Imports an export file as a new chat; the server checks it whole before it writes anything. */
export async function postImport(ep: Endpoint, file: Blob): Promise<Chat> {
  let res: Response;
  try {
    res = await fetch(new URL('api/import', ep.http), {
      method: 'POST',
      headers: { ...authHeaders(ep), 'Content-Type': 'application/json' },
      body: file,
    });
  } catch {
    throw new UploadError('network', 'The import could not reach the Hearth server.', 0);
  }
  if (!res.ok) throw await refusal(res);
  try {
    return ((await res.json()) as { chat: Chat }).chat;
  } catch {
    throw new UploadError('bad_reply', 'The server sent an unreadable reply.', res.status);
  }
}

/** Hands a file to the browser as a download. */
export function saveFile(blob: Blob, name: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL is not needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
