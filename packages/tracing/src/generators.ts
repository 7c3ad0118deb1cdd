// A traced generator function returns at once, but its work happens as it is iterated: its span stays
// open until the generator finishes, with the yielded values as outputs (as MLflow traces generators),
// and each step runs in the span's context so spans started inside nest under it.
import { type Context, context } from '@opentelemetry/api';
import type { LiveSpan } from './live-span.js';

/** Whether a value is a generator object (sync or async), which `trace` follows to its end. */
export function isGenerator(value: unknown): value is Generator | AsyncGenerator {
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]';
}

/** Wraps a generator so `span` ends when it finishes, fails or is closed, with the yielded values as outputs. */
export function traceGenerator<G extends Generator | AsyncGenerator>(
  span: LiveSpan,
  spanContext: Context,
  inner: G,
): G {
  const yielded: unknown[] = [];
  const isAsync = Object.prototype.toString.call(inner) === '[object AsyncGenerator]';
  const settle = (result: IteratorResult<unknown>) => {
    if (result.done) span.end({ outputs: yielded });
    else yielded.push(result.value);
    return result;
  };
  const fail = (error: unknown): never => {
    span.recordException(error);
    span.end({ outputs: yielded });
    throw error;
  };
  const step = (call: () => IteratorResult<unknown> | Promise<IteratorResult<unknown>>) => {
    try {
      const result = context.with(spanContext, call);
      return isAsync
        ? (result as Promise<IteratorResult<unknown>>).then(settle, fail)
        : settle(result as IteratorResult<unknown>);
    } catch (error) {
      return fail(error);
    }
  };
  const wrapped = {
    next: (...args: [] | [unknown]) => step(() => inner.next(...args)),
    return: (value: unknown) => step(() => inner.return(value as never)),
    throw: (error: unknown) => step(() => inner.throw(error)),
    [isAsync ? Symbol.asyncIterator : Symbol.iterator]() {
      return wrapped;
    },
  };
  return wrapped as unknown as G;
}
