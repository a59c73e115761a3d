// Media upload over HTTP: POST /api/media with the bearer token, multipart
// field "file". XMLHttpRequest, because fetch cannot report upload progress.

import type { Media, ServerReason } from '../protocol';
import type { Reason } from '../reasons';
import type { Endpoint } from './endpoint';

export class UploadError extends Error {
  constructor(
    readonly reason: Reason,
    readonly detail: string,
    readonly status: number,
  ) {
    super(detail || reason);
    this.name = 'UploadError';
  }
}

export interface UploadHandle {
  promise: Promise<Media>;
  abort: () => void;
}

/** Parses the server's refusal body `{"error":{"reason","detail"}}`. */
export function parseRefusal(status: number, body: string): UploadError {
  try {
    const j = JSON.parse(body) as { error?: { reason?: ServerReason; detail?: string } };
    if (j && j.error && (j.error.reason || j.error.detail)) {
      return new UploadError(j.error.reason ?? 'http_error', j.error.detail ?? '', status);
    }
  } catch {
    // not JSON
  }
  const reason = status === 401 || status === 403 ? 'unauthorized' : status === 413 ? 'too_large' : 'http_error';
  return new UploadError(reason, body.trim().slice(0, 200) || `The server answered ${status}.`, status);
}

export function uploadMedia(
  ep: Endpoint,
  file: Blob,
  name: string,
  onProgress: (fraction: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Media>((resolve, reject) => {
    xhr.open('POST', new URL('api/media', ep.http).toString());
    xhr.setRequestHeader('Authorization', `Bearer ${ep.token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          const m = JSON.parse(xhr.responseText) as Media;
          onProgress(1);
          resolve({ ...m, name: m.name || name });
        } catch {
          reject(new UploadError('bad_reply', 'The server sent an unreadable reply.', xhr.status));
        }
      } else {
        reject(parseRefusal(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new UploadError('network', 'The upload could not reach the Hearth server.', 0));
    xhr.onabort = () => reject(new UploadError('aborted', 'Upload cancelled.', 0));
    const form = new FormData();
    form.append('file', file, name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
