import { ErrorCode, isMlflowError, MlflowError } from '@flowline/core';
import type { ModelMetric } from '@flowline/model-format';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AdmissionLimits, AdmissionQueue, RETRY_AFTER_SECONDS } from './admission-queue.js';
import { ScoringMetrics } from './scoring-metrics.js';

/** A generating request that holds a slot. */
export interface Admission {
  /** Aborts when the client hangs up or the request runs past `--request-timeout`; the generation stops. */
  signal: AbortSignal;
  /** `performance.now()` when the request arrived (for time to first token). */
  arrivedAt: number;
  /** Frees the slot (idempotent). */
  release(): void;
}

/**
 * What every generating route goes through: a bounded admission queue, a per-request deadline, cancellation
 * when the client disconnects, and the metrics `/metrics` reports.
 */
export class GenerationGate {
  readonly queue: AdmissionQueue;
  readonly metrics: ScoringMetrics;

  /** `requestTimeoutMs` 0: no deadline. */
  constructor(
    limits: AdmissionLimits,
    readonly requestTimeoutMs: number,
    modelMetrics?: () => ModelMetric[],
  ) {
    this.queue = new AdmissionQueue(limits);
    this.metrics = new ScoringMetrics({
      queueDepth: () => this.queue.depth,
      running: () => this.queue.running,
      ...(modelMetrics ? { model: modelMetrics } : {}),
    });
  }

  /**
   * Waits for a slot. Refused (queue full): 429 `RESOURCE_EXHAUSTED` with `Retry-After`. A client that
   * hangs up while waiting leaves the queue; one whose deadline passes while waiting gets 504.
   */
  async admit(request: FastifyRequest, reply: FastifyReply): Promise<Admission> {
    const arrivedAt = performance.now();
    const controller = new AbortController();
    const raw = reply.raw;
    const onClose = () => {
      if (!raw.writableEnded)
        controller.abort(new MlflowError(ErrorCode.CANCELLED, 'The client closed the connection.'));
    };
    raw.once('close', onClose);
    const timer =
      this.requestTimeoutMs > 0
        ? setTimeout(() => {
            request.log.warn(
              { timeoutMs: this.requestTimeoutMs },
              'request ran past --request-timeout; cancelling',
            );
            controller.abort(
              new MlflowError(
                ErrorCode.DEADLINE_EXCEEDED,
                `The request took longer than --request-timeout (${this.requestTimeoutMs / 1000} s) and was cancelled.`,
              ),
            );
          }, this.requestTimeoutMs)
        : undefined;
    const done = () => {
      clearTimeout(timer);
      raw.off('close', onClose);
    };
    try {
      const release = await this.queue.acquire(controller.signal);
      return {
        signal: controller.signal,
        arrivedAt,
        release: () => {
          done();
          release();
        },
      };
    } catch (error) {
      done();
      if (isMlflowError(error) && error.errorCode === ErrorCode.RESOURCE_EXHAUSTED)
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      throw controller.signal.aborted ? controller.signal.reason : error;
    }
  }

  /**
   * Runs a non-streaming generation in a slot; `predict` gets the admission's signal, to pass to the
   * model's `predict`, which stops generating when it aborts. A deadline or a hang-up answers at once,
   * while the slot stays held until `predict` has settled (the queue never over-admits, even for a model
   * that ignores the signal).
   */
  async run<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    predict: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const admission = await this.admit(request, reply);
    const work = predict(admission.signal);
    work.then(admission.release, admission.release);
    const { signal } = admission;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
