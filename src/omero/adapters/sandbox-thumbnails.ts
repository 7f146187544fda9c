import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import type { Thumbnail } from '../omero-gateway.port.js';
import { loadSharp } from './load-sharp.js';

/** Rendered thumbnails kept in memory, newest use last; a 96 px JPEG is about 3 KiB. */
const CACHE_BYTES = 8 * 1024 * 1024;
/** Renders at once: each decodes a whole image, and the machine serves uploads too. */
const CONCURRENT_RENDERS = 2;
/** Renders that may wait for a turn; beyond them a request is refused at once, not queued. */
const MAX_WAITING_RENDERS = 32;

/**
 * The sandbox's own thumbnails, drawn from the file in its repository with sharp (libvips,
 * which reads the file from disk itself, in strips where the format allows). What sharp cannot
 * read (DICOM, CZI, ND2, …) gets a placeholder naming the format, as the image is still there.
 *
 * Each channel is stretched between its minimum and maximum, as OMERO's default rendering
 * settings do: a 16-bit image whose values sit in a narrow band (a 12-bit camera's) would
 * otherwise come out black or flat grey.
 *
 * The sandbox's images never change, so a thumbnail drawn once is kept (within CACHE_BYTES).
 */
export class SandboxThumbnails {
  private readonly cache = new Map<string, Thumbnail & { body: Buffer }>();
  private cachedBytes = 0;
  private readonly inFlight = new Map<string, Promise<Thumbnail & { body: Buffer }>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  async render(image: { id: string; path: string; format: string }, size: number): Promise<Thumbnail> {
    const key = `${image.id}:${size}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Map order is the recency order: move it to the end.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    let rendering = this.inFlight.get(key);
    if (!rendering) {
      rendering = this.limited(() => draw(image, size)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, rendering);
    }
    const thumbnail = await rendering;
    // A placeholder may stand for a file that could not be read just now: draw it again next time.
    if (thumbnail.rendered) this.remember(key, thumbnail);
    return thumbnail;
  }

  private remember(key: string, thumbnail: Thumbnail & { body: Buffer }): void {
    if (this.cache.has(key)) return;
    this.cache.set(key, thumbnail);
    this.cachedBytes += thumbnail.body.length;
    for (const [oldest, { body }] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(oldest);
      this.cachedBytes -= body.length;
    }
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= CONCURRENT_RENDERS) {
      if (this.waiting.length >= MAX_WAITING_RENDERS) {
        throw new AppError(
          ErrorCode.SERVICE_UNAVAILABLE,
          'Too many thumbnails are being drawn; try again in a moment.',
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

async function draw(image: { path: string; format: string }, size: number): Promise<Thumbnail & { body: Buffer }> {
  const sharp = await loadSharp();
  try {
    const body = await sharp(image.path, { failOn: 'none', sequentialRead: true })
      .resize(size, size, { fit: 'inside', withoutEnlargement: false })
      .normalise({ lower: 0, upper: 100 })
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .jpeg({ quality: 85 })
      .toBuffer();
    return { contentType: 'image/jpeg', body, rendered: true };
  } catch {
    // Not a format sharp reads, or the file is gone: the image exists all the same.
    return { contentType: 'image/jpeg', body: await placeholder(image.format, size), rendered: false };
  }
}

async function placeholder(format: string, size: number): Promise<Buffer> {
  const label = format.replace(/[^\w .-]/g, '').slice(0, 16) || 'image';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <rect width="100%" height="100%" fill="#5b6470"/>
    <text x="50%" y="50%" fill="#ffffff" font-family="sans-serif" font-size="${Math.max(8, Math.round(size / 7))}"
      text-anchor="middle" dominant-baseline="middle">${label}</text></svg>`;
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
