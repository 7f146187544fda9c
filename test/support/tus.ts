import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Upload, type UploadOptions } from 'tus-js-client';

export const TUS = { 'Tus-Resumable': '1.0.0' };

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Upload-Metadata from plain values. */
export function metadataHeader(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with full control of the headers (fetch would add or refuse some). */
export function raw(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class TusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private headers(extra: Record<string, string>) {
    return { ...TUS, authorization: `Bearer ${this.token}`, ...extra };
  }

  /** POST; returns the response and the new upload's id. */
  async create(name: string, size: number | 'deferred', metadata: Record<string, string> = {}, body?: Buffer) {
    const headers = this.headers({
      'Upload-Metadata': metadataHeader({ filename: name, ...metadata }),
      ...(size === 'deferred' ? { 'Upload-Defer-Length': '1' } : { 'Upload-Length': String(size) }),
      ...(body ? { 'Content-Type': 'application/offset+octet-stream' } : {}),
    });
    const response = await raw(`${this.baseUrl}/api/uploads`, 'POST', headers, body);
    const location = response.headers.location as string | undefined;
    return { response, id: location?.split('/').pop() ?? '' };
  }

  patch(id: string, offset: number, body: Buffer, extra: Record<string, string> = {}) {
    return raw(
      `${this.baseUrl}/api/uploads/${id}`,
      'PATCH',
      this.headers({ 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), ...extra }),
      body,
    );
  }

  head(id: string) {
    return raw(`${this.baseUrl}/api/uploads/${id}`, 'HEAD', this.headers({}));
  }

  delete(id: string) {
    return raw(`${this.baseUrl}/api/uploads/${id}`, 'DELETE', this.headers({}));
  }

  /** Sends the first `bytes` of a PATCH body, then drops the connection, as a failing network does. */
  patchInterrupted(id: string, offset: number, body: Buffer, bytes: number): Promise<void> {
    return new Promise((resolve) => {
      const req = request(`${this.baseUrl}/api/uploads/${id}`, {
        method: 'PATCH',
        headers: this.headers({
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': String(offset),
          'Content-Length': String(body.length),
        }),
      });
      req.on('error', () => resolve());
      req.write(body.subarray(0, bytes), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
  }
}

/** Uploads with the real tus-js-client, as an integrator's Node script would; resolves with the id. */
export function tusJsUpload(
  baseUrl: string,
  token: string,
  data: Buffer,
  fileName: string,
  options: Partial<UploadOptions> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint: `${baseUrl}/api/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: fileName, filetype: 'application/octet-stream' },
      chunkSize: 16 * 1024,
      retryDelays: [],
      onError: reject,
      onSuccess: () => resolve(upload.url!.split('/').pop()!),
      ...options,
    });
    upload.start();
  });
}

/** Bytes that start like a TIFF (so they pass the content check) followed by `size` pseudo-random bytes. */
export function tiffLike(size: number, seed = 1): Buffer {
  const data = Buffer.alloc(size);
  data.set([0x49, 0x49, 0x2a, 0x00]);
  let x = seed;
  for (let i = 4; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[i] = x >> 16;
  }
  return data;
}
