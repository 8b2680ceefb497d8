/**
 * The PKCS#11 interface: Strongbox's token served over the p11-kit RPC protocol (version 0) on a
 * Unix-domain socket, so any program can use it through p11-kit's `p11-kit-client.so` with
 * `P11_KIT_SERVER_ADDRESS=unix:path=…` (docs/pkcs11.md).
 *
 * Per connection: the version byte exchange, then frames, handled one at a time in order (the
 * client sends one call and waits). Each call is decoded (rpc-calls.ts), run by the connection's
 * TokenConnection (token.ts: the thin translation into service/ calls) and audited — one record per
 * call, interface `pkcs11`, operation `pkcs11.<C_Function>`, durable before the reply is sent. A
 * malformed frame (truncated, oversized, unknown call, wrong signature) or a call before
 * C_Initialize ends that connection; the server keeps serving the others.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ServiceContext } from '../service/shared/context.js';
import type { Authenticator } from '../service/access/authenticate.js';
import { CKR } from './constants.js';
import { decodeMessage, encodeError, encodeMessage } from './rpc-calls.js';
import { encodeFrame, FrameDecoder, RPC_PROTOCOL_VERSION, RpcProtocolError, type Frame } from './rpc-message.js';
import { Pkcs11Error, TokenConnection, toReturnValue, type CallNote, type LoginThrottle } from './token.js';

export interface Pkcs11ServerOptions {
  ctx: ServiceContext;
  auth: Authenticator;
  /** the socket is group-accessible (--pkcs11-socket-group): PIN files are refused */
  groupShared?: boolean;
  /** the per-source authentication throttle shared with the HTTP API (wrong PINs count) */
  throttle?: LoginThrottle;
  log?: { error(obj: unknown, msg: string): void; warn(obj: unknown, msg: string): void };
}

/** Calls whose data argument is sensitive: the audit record keeps an HMAC of it, never the bytes. */
const DATA_CALLS = new Set(['C_Sign', 'C_SignUpdate', 'C_Verify', 'C_VerifyUpdate', 'C_Encrypt', 'C_EncryptUpdate', 'C_Decrypt', 'C_DecryptUpdate', 'C_Digest', 'C_DigestUpdate']);

const STATUS_OF_RV = (rv: number): number => (rv === CKR.OK ? 200 : rv === CKR.GENERAL_ERROR || rv === CKR.DEVICE_ERROR ? 500 : rv === CKR.USER_NOT_LOGGED_IN || rv === CKR.PIN_INCORRECT || rv === CKR.PIN_EXPIRED ? 401 : rv === CKR.KEY_FUNCTION_NOT_PERMITTED ? 403 : rv === CKR.PIN_LOCKED ? 429 : 400);

export interface Pkcs11Server {
  server: Server;
  listen(path: string): Promise<void>;
  close(): Promise<void>;
}

export function createPkcs11Server(options: Pkcs11ServerOptions): Pkcs11Server {
  const { ctx } = options;
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    const connId = ++connections;
    let seq = 0;
    const token = new TokenConnection(ctx, options.auth, { groupShared: options.groupShared === true, ...(options.throttle === undefined ? {} : { throttle: options.throttle }) });
    const decoder = new FrameDecoder();
    let versioned = false;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;

    const end = (why: string | undefined) => {
      if (closed) return;
      closed = true;
      token.close();
      if (why !== undefined) options.log?.warn({ connection: connId, reason: why }, 'pkcs11: connection closed');
      socket.destroy();
    };

    const handle = async (frame: Frame): Promise<void> => {
      if (closed) return;
      let decoded;
      try {
        decoded = decodeMessage(frame.body, 'request');
      } catch (err) {
        await audit(connId, ++seq, 'unknown', null, { action: null, resource: null, reason: err instanceof Error ? err.message.slice(0, 200) : 'malformed' }, CKR.ARGUMENTS_BAD, 'INVALID_ARGUMENT');
        end(err instanceof RpcProtocolError ? err.message : 'malformed message');
        return;
      }
      const name = decoded.call!.name;
      // The p11-kit client always opens with C_Initialize; anything else first is not a client.
      if (!token.initialized && name !== 'C_Initialize') {
        await audit(connId, ++seq, name, null, { action: null, resource: null, reason: 'call before C_Initialize' }, CKR.CRYPTOKI_NOT_INITIALIZED, null);
        end(`${name} before C_Initialize`);
        return;
      }
      const note: CallNote = { action: null, resource: null, reason: null };
      let reply: Uint8Array;
      let rv: number = CKR.OK;
      let code: string | null = null;
      const principal = token.accessor;
      try {
        const values = await token.call(name, decoded.values, note);
        reply = encodeMessage(decoded.callId, 'response', values);
      } catch (err) {
        const e = err instanceof Pkcs11Error ? err : toReturnValue(err);
        if (!(err instanceof Pkcs11Error) && !(err instanceof Error && err.name === 'StrongboxError')) options.log?.error({ err, call: name }, 'pkcs11: call failed');
        rv = e.rv;
        code = e.code;
        if (note.reason === null && e.message !== undefined) note.reason = e.message.slice(0, 200);
        reply = encodeError(rv);
      }
      const ok = await audit(connId, ++seq, name, token.accessor ?? principal, note, rv, code, DATA_CALLS.has(name) ? note.data : undefined);
      // Fail closed: a result whose audit record could not be made durable is withheld.
      if (!ok) reply = encodeError(CKR.DEVICE_ERROR);
      if (!closed) socket.write(encodeFrame(frame.code, reply));
    };

    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      let data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!versioned) {
        // The client's highest protocol version; we answer the one we speak (never higher than theirs).
        versioned = true;
        socket.write(new Uint8Array([Math.min(data[0]!, RPC_PROTOCOL_VERSION)]));
        data = data.subarray(1);
      }
      let frames: Frame[];
      try {
        frames = decoder.push(data);
      } catch (err) {
        void audit(connId, ++seq, 'unknown', token.accessor, { action: null, resource: null, reason: err instanceof Error ? err.message.slice(0, 200) : 'malformed frame' }, CKR.ARGUMENTS_BAD, 'INVALID_ARGUMENT');
        end(err instanceof Error ? err.message : 'malformed frame');
        return;
      }
      for (const f of frames) queue = queue.then(() => handle(f)).catch((err: unknown) => {
        options.log?.error({ err }, 'pkcs11: connection failed');
        end('internal error');
      });
    });
    socket.on('error', () => end(undefined));
    socket.on('close', () => {
      sockets.delete(socket);
      // A truncated last frame is simply dropped with the connection.
      end(undefined);
    });
  });

  async function audit(connId: number, seq: number, call: string, principal: string | null, note: CallNote, rv: number, code: string | null, data?: Uint8Array): Promise<boolean> {
    const keys = ctx.auditKeys();
    const denied = rv === CKR.KEY_FUNCTION_NOT_PERMITTED || rv === CKR.PIN_INCORRECT || rv === CKR.PIN_LOCKED || rv === CKR.PIN_EXPIRED || rv === CKR.USER_NOT_LOGGED_IN;
    try {
      await ctx.audit.append({
        requestId: `pkcs11-${process.pid}-${connId}-${seq}`,
        interface: 'pkcs11',
        operation: `pkcs11.${call}`,
        action: note.action,
        resource: note.resource,
        principal,
        clientIp: null,
        outcome: rv === CKR.OK ? 'success' : denied ? 'denied' : 'error',
        status: STATUS_OF_RV(rv),
        code,
        reason: rv === CKR.OK ? note.reason : `CKR 0x${rv.toString(16)}${note.reason === null ? '' : `: ${note.reason}`}`,
        inputs: data === undefined ? null : { data: keys ? keys.hmac('data', Buffer.from(data).toString('hex')) : 'unavailable:sealed' },
      });
      return true;
    } catch (err) {
      options.log?.error({ err }, 'pkcs11: audit record could not be written');
      return false;
    }
  }

  return {
    server,
    listen: (path) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
