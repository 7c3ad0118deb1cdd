import { describe, expect, it } from 'vitest';
import type { TraceInfoJson } from '../src/api/traces.js';
import {
  executionMs,
  formatTokens,
  previewText,
  readAssessment,
  readDurationMs,
  readTimestampMs,
  requestTimeMs,
  sourceRunOf,
  tokenUsageOf,
  traceNameOf,
  userTags,
} from '../src/lib/trace-info.js';

describe('trace info', () => {
  it('reads proto JSON timestamps and durations (and plain milliseconds)', () => {
    expect(readTimestampMs('2025-06-15T14:07:41.282Z')).toBe(Date.UTC(2025, 5, 15, 14, 7, 41, 282));
    expect(readTimestampMs('2025-06-15T14:07:41Z')).toBe(Date.UTC(2025, 5, 15, 14, 7, 41));
    expect(readTimestampMs(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(readTimestampMs('1700000000000')).toBe(1_700_000_000_000);
    expect(readTimestampMs('garbage')).toBeUndefined();
    expect(readDurationMs('1.500s')).toBe(1500);
    expect(readDurationMs('0.1s')).toBe(100);
    expect(readDurationMs('3s')).toBe(3000);
    expect(readDurationMs('0.000001s')).toBeCloseTo(0.001);
    expect(readDurationMs(42)).toBe(42);
    expect(readDurationMs(undefined)).toBeUndefined();
    expect(readDurationMs('soon')).toBeUndefined();
  });

  it("parses MLflow's token usage metadata", () => {
    const usage = (v: string) => tokenUsageOf({ 'mlflow.trace.tokenUsage': v });
    expect(usage('{"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}')).toEqual({
      input: 10,
      output: 5,
      total: 15,
    });
    expect(usage('{"input_tokens": 10, "output_tokens": 5}')).toEqual({ input: 10, output: 5, total: 15 });
    expect(usage('{"total_tokens": "7"}')).toEqual({ input: undefined, output: undefined, total: 7 });
    expect(usage('not json')).toBeUndefined();
    expect(usage('[1,2]')).toBeUndefined();
    expect(usage('{}')).toBeUndefined();
    expect(tokenUsageOf(undefined)).toBeUndefined();
    expect(tokenUsageOf({})).toBeUndefined();
    expect(formatTokens({ input: 1000, output: 234, total: 1234 })).toBe('1,234 (in 1,000 / out 234)');
    expect(formatTokens({ total: 7 })).toBe('7');
    expect(formatTokens(undefined)).toBe('');
  });

  it('reads name, run, times and user tags off a TraceInfoV3', () => {
    const info: TraceInfoJson = {
      trace_id: 'tr-1',
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '3' } },
      request_time: '2025-06-15T14:07:41.282Z',
      execution_duration: '0.250s',
      state: 'OK',
      trace_metadata: { 'mlflow.sourceRun': 'abc' },
      tags: { 'mlflow.traceName': 'predict', env: 'prod', 'mlflow.artifactLocation': 'x', app: 'a' },
    };
    expect(traceNameOf(info)).toBe('predict');
    expect(sourceRunOf(info)).toBe('abc');
    expect(executionMs(info)).toBe(250);
    expect(requestTimeMs(info)).toBe(Date.UTC(2025, 5, 15, 14, 7, 41, 282));
    expect(userTags(info.tags)).toEqual([
      ['app', 'a'],
      ['env', 'prod'],
    ]);
    expect(executionMs({ ...info, execution_duration: undefined })).toBeUndefined();
  });

  it('shows previews on one line, compacting JSON and cutting long text', () => {
    expect(previewText('{"messages": [\n  {"role": "user"}\n]}')).toBe('{"messages":[{"role":"user"}]}');
    expect(previewText('"hello"')).toBe('hello');
    expect(previewText('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(previewText(undefined)).toBe('');
  });

  it('reads feedback and expectations, serialized values and errors included', () => {
    expect(
      readAssessment({
        assessment_id: 'a-1',
        assessment_name: 'correct',
        source: { source_type: 'LLM_JUDGE', source_id: 'gpt' },
        feedback: { value: true },
        rationale: 'matches',
        create_time: '2025-06-15T14:07:41Z',
        span_id: '00000000000000aa',
        metadata: { b: '2', a: '1' },
      }),
    ).toEqual({
      id: 'a-1',
      name: 'correct',
      kind: 'feedback',
      value: true,
      error: undefined,
      rationale: 'matches',
      sourceType: 'LLM_JUDGE',
      sourceId: 'gpt',
      spanId: '00000000000000aa',
      createdMs: Date.UTC(2025, 5, 15, 14, 7, 41),
      valid: true,
      metadata: [
        ['a', '1'],
        ['b', '2'],
      ],
    });
    const expectation = readAssessment({
      assessment_name: 'expected',
      expectation: { serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"answer": [1, 2]}' } },
      valid: false,
    });
    expect(expectation).toMatchObject({ kind: 'expectation', value: { answer: [1, 2] }, valid: false });
    expect(readAssessment({ assessment_name: 'e', expectation: { value: 'Paris' } }).value).toBe('Paris');
    expect(
      readAssessment({
        assessment_name: 'f',
        feedback: { error: { error_code: 'TIMEOUT', error_message: 'judge timed out' } },
      }).error,
    ).toBe('TIMEOUT: judge timed out');
  });
});
