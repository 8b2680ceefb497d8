/**
 * Signed-request test plumbing: one raw HTTP request over node:http with exactly the given headers
 * (Host included, as a load balancer in front of several nodes would send it) and body bytes.
 */
import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  body: any;
  requestId: string;
}

export async function rawRequest(addr: string, options: { method: string; path: string; headers: Record<string, string>; body?: Uint8Array | undefined }): Promise<RawResponse> {
  const url = new URL(addr);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(options.body.length) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text), requestId: String(res.headers['x-request-id']) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : Buffer.from(options.body));
  });
}
