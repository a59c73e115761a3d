// Large images are scaled down in the browser before upload: fewer bytes to
// send and store, and the model sees them at a size it can use anyway.

export const MAX_SIDE = 2048;
const KEEP_AS_IS = new Set(['image/gif', 'image/svg+xml']);

export interface Scaled {
  blob: Blob;
  name: string;
  width: number;
  height: number;
  scaled: boolean;
}

/** Target size that fits in max×max, keeping the aspect ratio. */
export function fitWithin(w: number, h: number, max = MAX_SIDE): { width: number; height: number } {
  if (w <= max && h <= max) return { width: w, height: h };
  const k = max / Math.max(w, h);
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

export async function downscaleImage(file: File, max = MAX_SIDE): Promise<Scaled> {
  const keep = (w = 0, h = 0): Scaled => ({ blob: file, name: file.name, width: w, height: h, scaled: false });
  if (!file.type.startsWith('image/') || KEEP_AS_IS.has(file.type)) return keep();
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return keep(); // let the server judge what it is
  }
  const { width, height } = fitWithin(bitmap.width, bitmap.height, max);
  if (width === bitmap.width && height === bitmap.height) {
    bitmap.close();
    return keep(width, height);
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) {
    bitmap.close();
    return keep();
  }
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const type = file.type === 'image/png' || file.type === 'image/webp' ? file.type : 'image/jpeg';
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, type, 0.9));
  if (!blob) return keep();
  const ext = type === 'image/jpeg' ? 'jpg' : type.slice(6);
  const name = file.name.replace(/\.[^.]*$/, '') + `.${ext}`;
  return { blob, name, width, height, scaled: true };
}
