// Which files the composer takes, by the limits the server announced in
// `ready` (the same numbers it enforces), so that a file it would refuse is
// left out before its bytes are sent. The server still checks everything.

import { formatBytes } from '../app/format';
import type { Limits } from '../protocol';

export type MediaKind = 'image' | 'video';

/** The kind of a file by its type label; the server decides from the bytes. */
export function kindOf(mime: string): MediaKind | null {
  return mime.startsWith('image/') ? 'image' : mime.startsWith('video/') ? 'video' : null;
}

export interface Admission<F> {
  accepted: { file: F; kind: MediaKind }[];
  /** One sentence per file left out. */
  problems: string[];
}

/**
 * Splits files into those that fit beside the ones already attached and
 * sentences for the rest: not media, or over the per-message count.
 */
export function admit<F extends { name: string; type: string }>(
  files: Iterable<F>,
  have: { images: number; videos: number },
  limits: Limits,
): Admission<F> {
  let { images, videos } = have;
  const out: Admission<F> = { accepted: [], problems: [] };
  for (const file of files) {
    const kind = kindOf(file.type);
    if (!kind) {
      out.problems.push(`“${file.name}” is not an image or a video.`);
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
  const max = kind === 'image' ? limits.max_image_bytes : limits.max_video_bytes;
  if (size <= max) return null;
  return `this ${kind} is larger than the limit of ${formatBytes(Math.max(0, max)).replace('.0 ', ' ')}`;
}
