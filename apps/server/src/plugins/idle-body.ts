import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ErrorCode } from '@flowline/core';
import type { FastifyInstance } from 'fastify';

/** How long a request body may send nothing before it is cut off: 30 s, gunicorn's default `--timeout`. */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;

// Requests this plugin has answered 408: whatever their route throws afterwards, the 408 is the answer.
const cutOffRequests = new WeakSet<IncomingMessage>();

/**
 * True once the idle timer has cut off this request's body (its 408 is sent or on its way): the error
 * handler then answers nothing more, whatever the route reading the body throws.
 */
export function wasCutOff(request: IncomingMessage): boolean {
  return cutOffRequests.has(request);
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Cuts off a request whose body sends no bytes for `timeoutMs` (0 turns this off): it gets 408 with MLflow's
 * JSON error body and `Connection: close`, and the connection closes, so the route reading the body sees it
 * aborted (an upload keeps nothing partial). The timer is idle, not total: every byte that arrives resets it,
 * so a slow upload that keeps sending is never cut. Node's `requestTimeout` and `headersTimeout` are total
 * timers, hence this one. Progress is read from the socket's byte count, and a body the server has not read
 * yet (a busy route, or backpressure) counts as progress: only a silent client is cut off. Each check is judged
 * after the event loop's next poll (`setImmediate`), so bytes that reached the kernel while the loop was
 * stalled are read first: a stalled server does not blame a client that kept sending.
 */
export function registerIdleBodyTimeout(app: FastifyInstance, timeoutMs: number, hint: string): void {
  if (!(timeoutMs > 0)) return;
  const tick = Math.max(10, Math.floor(timeoutMs / 4));
  app.addHook('onRequest', async (request, reply) => {
    const req = request.raw;
    const socket = req.socket;
    // `inject()` has no real socket; there is no client to wait for.
    if (req.complete || !hasBody(request.headers) || typeof socket?.bytesRead !== 'number') return;
    let seen = socket.bytesRead;
    let progressAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
    };
    const cutOff = () => {
      request.log.warn({ timeoutMs }, 'request body sent nothing for too long; answering 408 and closing');
      cutOffRequests.add(req);
      // Node closes a `Connection: close` response's socket once it is sent; the guard covers a client that
      // never closes its end.
      const guard = setTimeout(() => socket.destroy(), Math.max(timeoutMs, 1000));
      guard.unref();
      socket.once('close', () => {
        clearTimeout(guard);
        // Once answered, Node no longer aborts the request when its socket closes: end the body's stream
        // with an error, so the route reading it stops (and an upload removes what it wrote).
        if (req.complete) return;
        const reason = `Request body idle for ${timeoutMs / 1000} s: answered 408 and closed; the route reading it stops here.`;
        req.destroy(Object.assign(new Error(reason), { code: 'ECONNRESET' }));
      });
      if (reply.sent || reply.raw.headersSent) return socket.destroy();
      reply
        .status(408)
        .header('connection', 'close')
        .send({
          error_code: ErrorCode.BAD_REQUEST,
          message: `The request body sent no data for ${timeoutMs / 1000} s, so the server stopped waiting for it. Send the body without long pauses, or raise ${hint}.`,
        });
    };
    const check = () => {
      if (stopped || req.complete || socket.destroyed) return;
      const now = performance.now();
      if (socket.bytesRead !== seen || req.readableLength > 0) {
        seen = socket.bytesRead;
        progressAt = now;
      } else if (now - progressAt >= timeoutMs) {
        return cutOff();
      }
      schedule();
    };
    // A timer phase runs before the poll that reads the socket: judge only once that poll has run.
    const schedule = () => {
      timer = setTimeout(() => setImmediate(check), tick).unref();
    };
    schedule();
    req.once('end', stop);
    reply.raw.once('close', stop);
  });
}
