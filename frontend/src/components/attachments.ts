import { useCallback, useEffect, useRef, useState } from 'react';
import { formatBytes } from '../app/format';
import { useClient } from '../app/hooks';
import { downscaleImage } from '../media/downscale';
import { admit, sizeRefusal, type MediaKind } from '../media/limits';
import { UploadError, uploadMedia } from '../net/upload';
import type { OutgoingMedia } from '../protocol';
import { reasonText } from '../reasons';

export interface Attachment {
  key: string;
  name: string;
  kind: MediaKind;
  /** An object URL of the file for an image or video thumbnail; '' for a document. */
  preview: string;
  size: number;
  status: 'preparing' | 'uploading' | 'done' | 'error';
  progress: number;
  media?: OutgoingMedia;
  error?: string;
  abort?: () => void;
}

let nextKey = 1;

function asDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

/** Attachments of the composer: downscale, upload with progress, remove. */
export function useAttachments() {
  const client = useClient();
  const [items, setItems] = useState<Attachment[]>([]);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const removed = useRef(new Set<string>());

  const patch = useCallback((key: string, p: Partial<Attachment>) => {
    setItems((xs) => xs.map((x) => (x.key === key ? { ...x, ...p } : x)));
  }, []);

  const add = useCallback(
    (files: Iterable<File>) => {
      const ep = client.endpoint;
      if (!ep) return;
      // The limits the server announced when this connection opened.
      const limits = client.getState().limits;
      const have = {
        images: itemsRef.current.filter((x) => x.kind === 'image').length,
        videos: itemsRef.current.filter((x) => x.kind === 'video').length,
        documents: itemsRef.current.filter((x) => x.kind === 'document').length,
      };
      const { accepted, problems } = admit(files, have, limits);
      const fresh: { a: Attachment; file: File }[] = [];
      for (const { file, kind } of accepted) {
        const a: Attachment = {
          key: `att-${nextKey++}`,
          name: file.name || (kind === 'image' ? 'pasted image' : kind === 'video' ? 'video' : 'pasted text'),
          kind,
          preview: kind === 'document' ? '' : URL.createObjectURL(file),
          size: file.size,
          status: kind === 'image' ? 'preparing' : 'uploading',
          progress: 0,
        };
        fresh.push({ a, file });
      }
      for (const p of problems) client.notify('error', p);
      if (fresh.length === 0) return;
      setItems((xs) => [...xs, ...fresh.map((f) => f.a)]);
      for (const { a, file } of fresh) {
        void (async () => {
          let blob: Blob = file;
          let name = a.name;
          if (a.kind === 'image') {
            const scaled = await downscaleImage(file);
            blob = scaled.blob;
            name = scaled.name || name;
          }
          if (removed.current.has(a.key)) return;
          const tooLarge = sizeRefusal(a.kind, blob.size, limits);
          if (tooLarge) {
            // The server would refuse it after the whole upload; say so now.
            patch(a.key, { status: 'error', size: blob.size, error: reasonText('too_large', tooLarge) });
            return;
          }
          const h = uploadMedia(ep, blob, name, (f) => patch(a.key, { progress: f }));
          patch(a.key, { status: 'uploading', size: blob.size, abort: h.abort });
          try {
            const media = await h.promise;
            patch(a.key, { status: 'done', progress: 1, media, abort: undefined });
          } catch (e) {
            if (e instanceof UploadError && e.reason === 'aborted') return;
            if (e instanceof UploadError && e.reason === 'network' && ep.desktop && !removed.current.has(a.key)) {
              // The desktop page has its own origin; if the HTTP upload cannot be
              // made from it, the file travels inline in the message frame instead.
              const inline = await asDataUrl(blob).catch(() => null);
              if (inline) {
                // What the server will sniff, for the pending message's chip.
                const mime = a.kind !== 'document' ? blob.type : /\.pdf$/i.test(name) || blob.type === 'application/pdf' ? 'application/pdf' : 'text/plain';
                const media: OutgoingMedia = { id: '', mime, size: blob.size, name, url: a.preview, data_url: inline };
                patch(a.key, { status: 'done', progress: 1, media, abort: undefined });
                return;
              }
            }
            const msg = e instanceof UploadError ? reasonText(e.reason, e.detail) : String(e);
            patch(a.key, { status: 'error', error: msg, abort: undefined });
          }
        })();
      }
    },
    [client, patch],
  );

  const remove = useCallback((key: string) => {
    removed.current.add(key);
    setItems((xs) => {
      const x = xs.find((i) => i.key === key);
      if (x) {
        x.abort?.();
        if (x.preview) URL.revokeObjectURL(x.preview);
      }
      return xs.filter((i) => i.key !== key);
    });
  }, []);

  /** Hand the uploaded media over for sending and empty the tray (previews stay valid until unload). */
  const take = useCallback((): OutgoingMedia[] => {
    const media = itemsRef.current.flatMap((x) => (x.media ? [x.media] : []));
    setItems([]);
    return media;
  }, []);

  useEffect(
    () => () => {
      for (const x of itemsRef.current) x.abort?.();
    },
    [],
  );

  const busy = items.some((x) => x.status === 'preparing' || x.status === 'uploading');
  const failed = items.some((x) => x.status === 'error');
  return { items, add, remove, take, busy, failed };
}

export function describeAttachment(a: Attachment): string {
  switch (a.status) {
    case 'preparing':
      return 'Preparing…';
    case 'uploading':
      return `Uploading ${Math.round(a.progress * 100)}%`;
    case 'done':
      return formatBytes(a.media?.size ?? a.size);
    case 'error':
      return a.error ?? 'Upload failed';
  }
}
