/**
 * A minimal KMIP client for the KMIP seal: one TLS connection with a client certificate, one request
 * message at a time, binary TTLV (src/kmip/ttlv.ts). Connection and request timeouts bound every call;
 * a response larger than MAX_RESPONSE_BYTES or malformed is an error, never an unbounded read.
 */
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { decodeTtlv, encodeTtlv, readHeader, type TtlvItem } from '../../kmip/ttlv.js';
import { buildRequest, children, read, type ProtocolVersion } from '../../kmip/message.js';
import { ResultStatus, enumName } from '../../kmip/enums.js';
import { Tag } from '../../kmip/tags.js';

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface KmipClientOptions {
  host: string;
  port: number;
  /** PEM text */
  cert: string;
  key: string;
  ca: string;
  /** TLS server name to verify (default: host) */
  servername?: string;
  version: ProtocolVersion;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** The server answered Operation Failed: its Result Reason (by name) and message. */
export class KmipOperationError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(`${reason}: ${message}`);
    this.name = 'KmipOperationError';
    this.reason = reason;
  }
}

/** The server could not be reached or answered something that is not KMIP. */
export class KmipTransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmipTransportError';
  }
}

export class KmipClient {
  readonly #o: KmipClientOptions;
  #socket: TLSSocket | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: KmipClientOptions) {
    this.#o = options;
  }

  #connect(): Promise<TLSSocket> {
    if (this.#socket !== undefined && !this.#socket.destroyed) return Promise.resolve(this.#socket);
    const o = this.#o;
    return new Promise((resolve, reject) => {
      // SNI carries host names only (RFC 6066 §3); an IP address is still verified against the certificate.
      const servername = o.servername ?? (isIP(o.host) === 0 ? o.host : undefined);
      const socket = connect({ host: o.host, port: o.port, cert: o.cert, key: o.key, ca: o.ca, ...(servername === undefined ? {} : { servername }), minVersion: 'TLSv1.2' });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KmipTransportError(`no TLS connection to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms`));
      }, o.connectTimeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => socket.destroy());
        this.#socket = socket;
        resolve(socket);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new KmipTransportError(`cannot connect to ${o.host}:${o.port} (${err.code ?? err.message})`, { cause: err }));
      });
    });
  }

  /** Sends one batch item and returns its response payload; Operation Failed becomes KmipOperationError. */
  call(operation: number, payload: TtlvItem): Promise<TtlvItem | undefined> {
    const run = async (): Promise<TtlvItem | undefined> => {
      const socket = await this.#connect();
      const response = await this.#roundTrip(socket, encodeTtlv(buildRequest(this.#o.version, [{ operation, payload }])));
      const item = children(response, Tag.BatchItem)[0];
      if (response.tag !== Tag.ResponseMessage || item === undefined) throw new KmipTransportError('the server did not answer a KMIP response message');
      const status = read.enum(item, Tag.ResultStatus);
      if (status !== ResultStatus.Success) {
        const reason = read.enum(item, Tag.ResultReason);
        throw new KmipOperationError(reason === undefined ? 'Unknown' : (enumName(Tag.ResultReason, reason) ?? `0x${reason.toString(16)}`), (read.text(item, Tag.ResultMessage) ?? '').slice(0, 300));
      }
      return read.structure(item, Tag.ResponsePayload);
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #roundTrip(socket: TLSSocket, request: Uint8Array): Promise<TtlvItem> {
    const o = this.#o;
    return new Promise((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      const done = (err: Error | undefined, item?: TtlvItem) => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(item!);
      };
      const timer = setTimeout(() => done(new KmipTransportError(`no answer from ${o.host}:${o.port} within ${o.requestTimeoutMs} ms`)), o.requestTimeoutMs);
      const onClose = () => done(new KmipTransportError(`${o.host}:${o.port} closed the connection`));
      const onData = (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length < 8) return;
        const { length } = readHeader(buffer);
        if (length > MAX_RESPONSE_BYTES) return done(new KmipTransportError('the KMIP response is too large'));
        if (buffer.length < 8 + length) return;
        try {
          done(undefined, decodeTtlv(new Uint8Array(buffer.subarray(0, 8 + length))));
        } catch (err) {
          done(new KmipTransportError('the KMIP response is malformed', { cause: err }));
        }
      };
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.write(request);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }
}
