import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Limits } from '../protocol';
import { initialState, reduce } from '../state/store';
import { admit, sizeRefusal } from './limits';

const file = (name: string, type: string) => ({ name, type });
const none = { images: 0, videos: 0 };

/** The limits the composer uses once the server said `ready` with these. */
function afterReady(limits?: Limits): Limits {
  const ev = { event: 'ready' as const, client_id: 'k', chat_id: 'c', protocol: 1, ...(limits ? { limits } : {}) };
  return reduce(initialState(), { type: 'server', ev, now: 0 }).limits;
}

describe('attachment limits from ready', () => {
  it('uses the server defaults until ready, and ready’s limits after', () => {
    expect(initialState().limits).toEqual(DEFAULT_LIMITS);
    const served = { max_images: 2, max_image_bytes: 1000, max_videos: 0, max_video_bytes: 5000, max_documents: 1, max_document_bytes: 3000 };
    expect(afterReady(served)).toEqual(served);
    // A ready without limits (an older server) keeps what the page had.
    expect(afterReady()).toEqual(DEFAULT_LIMITS);
  });

  it('keeps the words it had with the default limits (4 images, 1 video)', () => {
    const files = [1, 2, 3, 4, 5].map((i) => file(`p${i}.png`, 'image/png'));
    // Text files are documents since issue 11; audio is still no attachment.
    const r = admit([...files, file('a.mp4', 'video/mp4'), file('b.webm', 'video/webm'), file('song.mp3', 'audio/mpeg')], none, DEFAULT_LIMITS);
    expect(r.accepted.map((a) => a.file.name)).toEqual(['p1.png', 'p2.png', 'p3.png', 'p4.png', 'a.mp4']);
    expect(r.problems).toEqual([
      'At most 4 images per message; “p5.png” was left out.',
      'Only one video per message; “b.webm” was left out.',
      '“song.mp3” is not an image, a video, a PDF or a text file.',
    ]);
  });

  it('counts by the limits ready announced, beside what is already attached', () => {
    const limits = afterReady({ ...DEFAULT_LIMITS, max_images: 2, max_image_bytes: 1 << 20, max_videos: 3, max_video_bytes: 1 << 20 });
    const r = admit([file('a.png', 'image/png'), file('b.png', 'image/png'), file('v.mp4', 'video/mp4')], { images: 1, videos: 2 }, limits);
    expect(r.accepted.map((a) => [a.file.name, a.kind])).toEqual([
      ['a.png', 'image'],
      ['v.mp4', 'video'],
    ]);
    expect(r.problems).toEqual(['At most 2 images per message; “b.png” was left out.']);
  });

  it('refuses a kind the server takes none of', () => {
    const limits = afterReady({ ...DEFAULT_LIMITS, max_images: 4, max_image_bytes: 1 << 20, max_videos: 0, max_video_bytes: 1 << 20 });
    const r = admit([file('v.mp4', 'video/mp4')], none, limits);
    expect(r.accepted).toEqual([]);
    expect(r.problems).toEqual(['This Hearth takes no videos; “v.mp4” was left out.']);
  });

  it('says when a file is over its kind’s size limit, and only then', () => {
    const limits = afterReady({ ...DEFAULT_LIMITS, max_images: 4, max_image_bytes: 8 << 20, max_videos: 1, max_video_bytes: 20 << 20 });
    expect(sizeRefusal('video', 20 << 20, limits)).toBeNull();
    expect(sizeRefusal('video', (20 << 20) + 1, limits)).toBe('this video is larger than the limit of 20 MB');
    expect(sizeRefusal('image', (8 << 20) + 1, limits)).toBe('this image is larger than the limit of 8 MB');
    expect(sizeRefusal('image', 100, afterReady({ ...limits, max_image_bytes: 0 }))).toBe('this image is larger than the limit of 0 B');
  });

  it('takes text files, source files and PDFs as documents, counted by their own limit', () => {
    const files = [
      file('notes.md', 'text/markdown'),
      file('main.go', ''),
      file('report.pdf', 'application/pdf'),
      file('data.json', 'application/json'),
      file('scan.pdf', 'application/octet-stream'),
      file('setup.exe', 'application/x-msdownload'),
    ];
    const r = admit(files, none, DEFAULT_LIMITS);
    expect(r.accepted.map((a) => [a.file.name, a.kind])).toEqual([
      ['notes.md', 'document'],
      ['main.go', 'document'],
      ['report.pdf', 'document'],
      ['data.json', 'document'],
    ]);
    expect(r.problems).toEqual([
      'At most 4 documents per message; “scan.pdf” was left out.',
      '“setup.exe” is not an image, a video, a PDF or a text file.',
    ]);
    const one = afterReady({ ...DEFAULT_LIMITS, max_documents: 2 });
    expect(admit([file('b.txt', 'text/plain')], { images: 0, videos: 0, documents: 2 }, one).problems).toEqual([
      'At most 2 documents per message; “b.txt” was left out.',
    ]);
    expect(sizeRefusal('document', (16 << 20) + 1, DEFAULT_LIMITS)).toBe('this document is larger than the limit of 16 MB');
    expect(sizeRefusal('document', 16 << 20, DEFAULT_LIMITS)).toBeNull();
  });
});
