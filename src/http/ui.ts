/**
 * Serves the web console (docs/console.md): the static files `npm run build` writes to dist/ui
 * (scripts/build-ui.mjs), read once at start into a Map keyed by path — nothing on disk is opened per
 * request, and no path from a request ever reaches the file system. The console uses hash routing, so
 * every page is /ui/ (index.html); anything else under /ui/ that is not a built file is 404.
 *
 * Headers: a strict Content-Security-Policy (no inline script or style, nothing from another origin,
 * no framing), no referrer, nosniff. Content-hashed assets are immutable; index.html is no-store (the
 * onSend hook's default), so a new release is picked up at once. Each response is audited like every
 * other (operation `ui.get`, resource `ui/<path>`); as they are unauthenticated, the per-source throttle
 * counts a burst of them into its aggregate record (source-throttle.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrongboxError } from '../protocol/errors.js';
import type { Route } from './route.js';

export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES = new Map<string, string>([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.json', 'application/json; charset=utf-8'],
  ['.map', 'application/json; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
]);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** the name carries a content hash (name-XXXXXXXX.ext): cache it for a year */
  immutable: boolean;
}

/** The route record the audit hook and metrics read for console requests (it is not in the API's route table). */
const uiRoute: Route = {
  method: 'GET',
  url: '/ui/*',
  operationId: 'ui.get',
  summary: 'the web console (static files)',
  tags: ['ui'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { response: {} },
  handler: async () => undefined,
};

/** The default location of the built console: dist/ui beside dist/src. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../ui/', import.meta.url));
}

export function loadUiAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (sub: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      return;
    }
    for (const name of names) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) {
        walk(rel);
        continue;
      }
      const ext = name.slice(name.lastIndexOf('.'));
      const body = readFileSync(full);
      assets.set(rel, {
        body,
        type: TYPES.get(ext) ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: /-[A-Z0-9]{8,}\.[a-z]+$/.test(name),
      });
    }
  };
  walk('');
  return assets;
}

export function registerUi(app: FastifyInstance, options: { dir?: string }): void {
  const dir = options.dir ?? defaultUiDir();
  const assets = loadUiAssets(dir);
  if (!assets.has('index.html')) app.log.warn({ dir }, 'the web console is not built (npm run build): /ui/ answers 404');

  const serve = async (request: FastifyRequest, reply: FastifyReply, path: string): Promise<Buffer> => {
    const asset = assets.get(path === '' ? 'index.html' : path);
    if (asset === undefined) {
      throw new StrongboxError('ROUTE_NOT_FOUND', assets.size === 0 ? 'the web console is not built on this server (npm run build)' : `no console file ${path.slice(0, 200)}`);
    }
    reply.header('etag', asset.etag);
    if (asset.immutable) reply.header('cache-control', 'public, max-age=31536000, immutable');
    if (request.headers['if-none-match'] === asset.etag) {
      reply.status(304);
      return Buffer.alloc(0);
    }
    reply.type(asset.type);
    return asset.body;
  };

  const headers = (request: FastifyRequest, reply: FastifyReply, path: string): void => {
    request.route = uiRoute;
    request.auditResource = `ui/${path.slice(0, 200)}`;
    reply.header('content-security-policy', UI_CSP);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
  };

  app.get('/ui', async (request, reply) => {
    headers(request, reply, '');
    return reply.redirect('/ui/', 308);
  });
  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const path = request.params['*'];
    headers(request, reply, path);
    return serve(request, reply, path);
  });
}
