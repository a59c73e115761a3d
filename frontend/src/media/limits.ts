// Which files the composer takes, by the limits the server announced in
// `ready` (the same numbers it enforces), so that a file it would refuse is
// left out before its bytes are sent. The server still checks everything.

import { formatBytes } from '../app/format';
import type { Limits } from '../protocol';

export type MediaKind = 'image' | 'video' | 'document';

/** Types browsers give text and source files that are not text/*. */
const TEXT_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/typescript',
  'application/x-sh',
  'application/x-shellscript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/sql',
  'application/x-python',
  'application/x-httpd-php',
  'application/x-tex',
  'application/x-subrip',
]);

/**
 * The kind of a file by its type label, and for files the browser has no
 * label for (source files often), by being neither media nor a known binary:
 * the server decides from the bytes, and refuses a binary in words.
 */
export function kindOf(mime: string, name = ''): MediaKind | null {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime === 'application/pdf' || mime.startsWith('text/') || TEXT_TYPES.has(mime)) return 'document';
  if (mime === '') return 'document';
  if (mime === 'application/octet-stream' && /\.pdf$/i.test(name)) return 'document';
  return null;
}

/** Whether a MIME type the server stored is a document (a text file or a PDF). */
export function isDocument(mime: string): boolean {
  return mime === 'application/pdf' || mime.startsWith('text/');
}

export interface Admission<F> {
  accepted: { file: F; kind: MediaKind }[];
  /** One sentence per file left out. */
  problems: string[];
}

/**
 * Splits files into those that fit beside the ones already attached and
 * sentences for the rest: not an attachment kind, or over the per-message count.
 */
export function admit<F extends { name: string; type: string }>(
  files: Iterable<F>,
  have: { images: number; videos: number; documents?: number },
  limits: Limits,
): Admission<F> {
  let { images, videos } = have;
  let documents = have.documents ?? 0;
  const out: Admission<F> = { accepted: [], problems: [] };
  for (const file of files) {
    const kind = kindOf(file.type, file.name);
    if (!kind) {
      out.problems.push(`“${file.name}” is not an image, a video, a PDF or a text file.`);
      continue;
    }
    if (kind === 'document' && ++documents > limits.max_documents) {
      out.problems.push(`${countRule(kind, limits.max_documents)}; “${file.name}” was left out.`);
      continue;
    }
    if (kind === 'image' && ++images > limits.max_images) {
      out.problems.push(`${countRule('image', limits.max_images)}; “${file.name}” was left out.`);
      continue;
    }
    if (kind === 'video' && ++videos > limits.max_videos) {
      out.problems.push(`${countRule('video', limits.max_videos)}; “${file.name}” was left out.`);
      continue;
    }
    out.accepted.push({ file, kind });
  }
  return out;
}

function countRule(kind: MediaKind, max: number): string {
  // A non-positive limit refuses the kind outright, as the server does.
  if (max <= 0) return `This Hearth takes no ${kind}s`;
  if (max === 1) return `Only one ${kind} per message`;
  return `At most ${max} ${kind}s per message`;
}

/**
 * The server's detail for a file over its kind's size limit (the UI says it
 * with reasonText, as it would the server's refusal); null when it fits.
 * Images are checked after they were scaled down, as that is what is sent.
 */
export function sizeRefusal(kind: MediaKind, size: number, limits: Limits): string | null {
  const max = kind === 'image' ? limits.max_image_bytes : kind === 'video' ? limits.max_video_bytes : limits.max_document_bytes;
  if (size <= max) return null;
  return `this ${kind} is larger than the limit of ${formatBytes(Math.max(0, max)).replace('.0 ', ' ')}`;
}
