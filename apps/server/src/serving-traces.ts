import type { GenerationObserver } from '@flowline/model-format';
import { SpanAttributeKey, SpanType, startSpan } from '@flowline/tracing';

// `models serve --trace-to`: each served request becomes an MLflow trace, a root span for the request
// with tokenize, prefill and decode children timed by the model's generation observer. Only two clock
// reads happen while the model works; the spans are built when the request is over and exported in
// batches by the tracing SDK's bounded processor (full buffer: spans dropped and counted, never waited on).

type Json = Record<string, unknown>;

/** How a served request ended: the answer (a stream's assembled summary) or the error. */
export interface ServedOutcome {
  response?: unknown;
  error?: unknown;
}

/** One request's trace in the making: the observer to hand the model, and `end` once it is over. */
export interface ServedTrace {
  observer: GenerationObserver;
  end(outcome: ServedOutcome): void;
}

/** Starts the trace of each served request. */
export interface RequestTracer {
  /** `kind` says what the request asks (chat and completions get LLM span types and token usage). */
  begin(route: string, request: unknown, kind?: 'chat' | 'completions'): ServedTrace;
}

/** Token counts of an OpenAI-style answer, under MLflow's `mlflow.chat.tokenUsage` names. */
function tokenUsage(response: unknown): Json | undefined {
  const usage = (response as { usage?: Json } | null | undefined)?.usage;
  if (!usage || typeof usage !== 'object') return undefined;
  const input = Number(usage.prompt_tokens);
  const output = Number(usage.completion_tokens);
  if (!Number.isFinite(input) || !Number.isFinite(output)) return undefined;
  return { input_tokens: input, output_tokens: output, total_tokens: input + output };
}

/** The finish reasons of an answer's choices. */
function finishReasons(response: unknown): string[] {
  const choices = (response as { choices?: Json[] } | null | undefined)?.choices;
  return Array.isArray(choices) ? choices.map((c) => String(c?.finish_reason ?? '')).filter(Boolean) : [];
}

/**
 * A tracer whose traces go wherever `configureTracing` sent the tracing SDK (the CLI points it at
 * `--trace-to` and `--experiment`). `modelName` is recorded as `mlflow.llm.model`.
 */
export function servingTracer(modelName: string): RequestTracer {
  return {
    begin(route, request, kind) {
      const wall = Date.now();
      const t0 = performance.now();
      let prepared: number | undefined;
      let first: number | undefined;
      const observer: GenerationObserver = {
        prepared: () => {
          prepared ??= performance.now();
        },
        firstToken: () => {
          first ??= performance.now();
        },
      };
      const at = (t: number) => wall + (t - t0);
      return {
        observer,
        end({ response, error }) {
          const done = performance.now();
          const usage = tokenUsage(response);
          const reasons = finishReasons(response);
          const root = startSpan({
            name: route,
            spanType:
              kind === 'chat'
                ? SpanType.CHAT_MODEL
                : kind === 'completions'
                  ? SpanType.LLM
                  : SpanType.UNKNOWN,
            inputs: request,
            parent: null,
            startTime: wall,
            attributes: {
              [SpanAttributeKey.LLM_MODEL]: modelName,
              ...(kind === 'chat' ? { [SpanAttributeKey.MESSAGE_FORMAT]: 'openai' } : {}),
            },
          });
          const phase = (
            name: string,
            from: number | undefined,
            to: number | undefined,
            attributes: Json,
          ) => {
            if (from === undefined || to === undefined) return;
            startSpan({
              name,
              spanType: SpanType.UNKNOWN,
              parent: root,
              startTime: at(from),
              attributes,
            }).end({
              endTime: at(to),
            });
          };
          phase('tokenize', t0, prepared, {});
          phase('prefill', prepared, first, usage ? { prompt_tokens: usage.input_tokens } : {});
          phase('decode', first, done, usage ? { completion_tokens: usage.output_tokens } : {});
          const attributes: Json = {};
          if (usage) attributes[SpanAttributeKey.CHAT_USAGE] = usage;
          if (first !== undefined) attributes['flowline.time_to_first_token_ms'] = first - t0;
          if (reasons.length > 0)
            attributes['flowline.finish_reason'] = reasons.length === 1 ? reasons[0] : reasons;
          if (error === undefined)
            root.end({ outputs: response, attributes, status: 'OK', endTime: at(done) });
          else {
            root.recordException(error);
            root.end({
              attributes,
              status: 'ERROR',
              statusMessage: (error as Error)?.message,
              endTime: at(done),
            });
          }
        },
      };
    },
  };
}
