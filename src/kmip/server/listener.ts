/**
 * The KMIP listener: binary TTLV over TLS 1.2+ with mutual TLS required (KMIP Profiles 1.4 §3.1, "Basic
 * Authentication Suite"; IANA port 5696). The client certificate must chain to --tls-client-ca, and its
 * CN maps to policies through --tls-client-map exactly as on HTTPS (service/access/certificate-principal.ts).
 *
 * Framing: a request is one TTLV Structure tagged Request Message; its 8-byte header gives the length.
 * A header that is not a Request Message, or that declares more than MAX_REQUEST_BYTES, is answered with
 * an Invalid Message response and the connection closed — before any of the body is buffered. A frame
 * that stalls is closed after FRAME_TIMEOUT_MS; an idle connection after IDLE_TIMEOUT_MS. Requests on one
 * connection are answered in order, one at a time.
 */
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { TLS_CIPHERS } from '../../tls-policy.js';
import type { AddressInfo } from 'node:net';
import { certificatePrincipal } from '../../service/access/certificate-principal.js';
import type { ServiceContext } from '../../service/shared/context.js';
import { Tag } from '../tags.js';
import { decodeTtlv, encodeTtlv, readHeader, TtlvError, TtlvType } from '../ttlv.js';
import { handleKmipMessage, refuseMessage, type KmipSource } from './dispatch.js';

export const MAX_REQUEST_BYTES = 1024 * 1024;
export const FRAME_TIMEOUT_MS = 30_000;
export const IDLE_TIMEOUT_MS = 10 * 60_000;

export interface KmipTls {
  cert: string;
  key: string;
  clientCa: string;
  clientMap: Readonly<Record<string, string[]>>;
}

export interface KmipListener {
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createKmipListener(ctx: ServiceContext, tls: KmipTls, log: (message: string, fields: Record<string, unknown>) => void = () => undefined): KmipListener {
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer(
    { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      serve(socket);
    },
  );
  // Failed handshakes (no or untrusted client certificate) end that socket only.
  server.on('tlsClientError', () => undefined);

  function serve(socket: TLSSocket): void {
    const src: KmipSource = { ctx, principal: certificatePrincipal(socket, tls.clientMap), clientIp: socket.remoteAddress, log };
    let buffer = new Uint8Array(0);
    let busy = false;
    /** data arrived while a request was being processed */
    let pending = false;
    let frameTimer: NodeJS.Timeout | undefined;
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());

    const send = (item: Parameters<typeof encodeTtlv>[0]): Promise<void> => new Promise((resolve) => socket.write(encodeTtlv(item), () => resolve()));
    const refuse = async (message: string): Promise<void> => {
      socket.pause();
      buffer = new Uint8Array(0);
      const response = await refuseMessage(src, 'InvalidMessage', message);
      await send(response).catch(() => undefined);
      socket.end();
    };

    const pump = async (): Promise<void> => {
      if (busy) {
        pending = true;
        return;
      }
      busy = true;
      pending = false;
      try {
        while (buffer.length >= 8 && !socket.destroyed) {
          const { tag, type, length } = readHeader(buffer);
          if (tag !== Tag.RequestMessage || type !== TtlvType.Structure) return void (await refuse('a KMIP request starts with a Request Message structure'));
          if (length > MAX_REQUEST_BYTES - 8) return void (await refuse(`request of ${length} bytes refused: the limit is ${MAX_REQUEST_BYTES}`));
          if (buffer.length < 8 + length) {
            frameTimer ??= setTimeout(() => socket.destroy(), FRAME_TIMEOUT_MS);
            return;
          }
          clearTimeout(frameTimer);
          frameTimer = undefined;
          const frame = buffer.subarray(0, 8 + length);
          buffer = buffer.slice(8 + length);
          let response;
          try {
            response = await handleKmipMessage(src, decodeTtlv(frame));
          } catch (err) {
            if (!(err instanceof TtlvError)) log('kmip request failed', { err });
            return void (await refuse(err instanceof TtlvError ? `malformed TTLV: ${err.message}` : 'the request could not be processed'));
          }
          await send(response);
        }
      } finally {
        busy = false;
      }
      if (pending) void pump().catch(() => socket.destroy());
    };

    socket.on('data', (chunk: Buffer) => {
      if (buffer.length + chunk.length > MAX_REQUEST_BYTES + 8) {
        // More than one maximal request buffered: a client not waiting for answers. Stop reading.
        socket.destroy();
        return;
      }
      const next = new Uint8Array(buffer.length + chunk.length);
      next.set(buffer);
      next.set(chunk, buffer.length);
      buffer = next;
      void pump().catch(() => socket.destroy());
    });
    socket.on('close', () => clearTimeout(frameTimer));
  }

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      });
    },
  };
}
