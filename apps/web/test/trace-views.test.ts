// @vitest-environment happy-dom

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement as h } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { TraceInfoJson } from '../src/api/traces.js';
import { searchRunTraces } from '../src/components/trace-run-list.js';
import { TraceWaterfall } from '../src/components/trace-waterfall.js';
import { buildSpanTree, readSpans } from '../src/lib/trace-spans.js';
import { TracePage } from '../src/pages/trace-page.js';
import { TracesView } from '../src/pages/traces-view.js';
import { at, type FetchHandler, stubFetch } from './fetch-stub.js';

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const ROOT = '00000000000000a1';
const LLM = '00000000000000b2';

const INFO: TraceInfoJson = {
  trace_id: 'tr-0123456789abcdef0123456789abcdef',
  trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '7' } },
  request_preview: '{"question": "What is MLflow?"}',
  response_preview: '"An ML platform"',
  request_time: '2025-06-15T14:07:41.282Z',
  execution_duration: '1.500s',
  state: 'OK',
  trace_metadata: {
    'mlflow.trace.tokenUsage': '{"input_tokens": 12, "output_tokens": 30, "total_tokens": 42}',
  },
  tags: { 'mlflow.traceName': 'answer', env: 'prod' },
  assessments: [
    {
      assessment_id: 'a-1',
      assessment_name: 'helpful',
      source: { source_type: 'HUMAN', source_id: 'ana' },
      feedback: { value: true },
      rationale: 'Answers the question',
    },
  ],
};

const SPANS = [
  {
    span_id: b64(ROOT),
    parent_span_id: '',
    name: 'answer',
    start_time_unix_nano: 1_000_000_000,
    end_time_unix_nano: 2_500_000_000,
    status: { code: 'STATUS_CODE_OK', message: '' },
    attributes: { 'mlflow.spanType': '"CHAIN"', 'mlflow.spanInputs': '{"question": "What is MLflow?"}' },
    events: [],
  },
  {
    span_id: b64(LLM),
    parent_span_id: b64(ROOT),
    name: 'chat',
    start_time_unix_nano: 1_500_000_000,
    end_time_unix_nano: 2_000_000_000,
    status: { code: 'STATUS_CODE_OK', message: '' },
    attributes: {
      'mlflow.spanType': '"LLM"',
      'mlflow.spanInputs': JSON.stringify({ messages: [{ role: 'user', content: 'What is MLflow?' }] }),
      'mlflow.spanOutputs': '"An ML platform"',
      'llm.model': '"tiny"',
    },
    events: [{ name: 'first_token', time_unix_nano: 1_600_000_000, attributes: {} }],
  },
];

let handler: FetchHandler;
const calls = stubFetch(() => handler);

describe('TracesView', () => {
  it('searches the experiment with the filter and shows the columns', async () => {
    handler = () => ({ body: { traces: [INFO], next_page_token: 'next' } });
    render(
      h(TracesView, {
        experimentIds: ['7'],
        experiments: [],
        location: at("/experiments/7/traces?q=trace.status+%3D+'OK'"),
      }),
    );
    await screen.findByText('tr-0123456789abcdef0123456789abcdef');
    expect(calls[0]).toEqual({
      url: '/ajax-api/3.0/mlflow/traces/search',
      body: {
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '7' } }],
        filter: "trace.status = 'OK'",
        max_results: 100,
      },
    });
    const row = document.querySelector('tr[data-trace-id]')!;
    const cells = [...row.querySelectorAll('td')].map((td) => td.textContent);
    expect(cells).toContain('{"question":"What is MLflow?"}');
    expect(cells).toContain('An ML platform');
    expect(cells).toContain('1.5s');
    expect(cells).toContain('42 (in 12 / out 30)');
    expect(cells).toContain('OK');
    expect(cells).toContain('env: prod');
    expect(row.querySelector('a')!.getAttribute('href')).toBe(
      '/experiments/7/traces/tr-0123456789abcdef0123456789abcdef',
    );
    // The next page comes from the server's token.
    fireEvent.click(screen.getByRole('button', { name: 'Load more traces' }));
    await waitFor(() => expect(calls.length).toBe(2));
    expect((calls[1]!.body as { page_token: string }).page_token).toBe('next');
  });

  it("shows the server's message for a refused filter under the box", async () => {
    handler = () => ({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid attribute key 'bogus'" },
    });
    render(
      h(TracesView, {
        experimentIds: ['7'],
        experiments: [],
        location: at('/experiments/7/traces?q=trace.bogus+%3D+1'),
      }),
    );
    expect((await screen.findByRole('alert')).textContent).toBe("Invalid attribute key 'bogus'");
    expect(screen.getByRole('searchbox', { name: 'Filter traces' }).getAttribute('aria-invalid')).toBe(
      'true',
    );
  });
});

/** Renders the page of `INFO`'s trace. */
function renderTracePage(): void {
  render(
    h(TracePage, {
      experimentId: '7',
      traceId: INFO.trace_id,
      location: at(`/experiments/7/traces/${INFO.trace_id}`),
    }),
  );
}

describe('TracePage', () => {
  it('draws the waterfall, shows the selected span and the assessments', async () => {
    handler = (url) => {
      if (url.startsWith('/ajax-api/3.0/mlflow/traces/')) return { body: { trace: { trace_info: INFO } } };
      if (url.startsWith('/ajax-api/2.0/mlflow/get-trace-artifact')) return { body: { spans: SPANS } };
      return { body: { experiment: { experiment_id: '7', name: 'demo' } } };
    };
    renderTracePage();
    await screen.findByRole('tree', { name: 'Spans' });
    expect(calls.map((c) => c.url)).toContain(
      `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${INFO.trace_id}`,
    );
    const items = screen.getAllByRole('treeitem');
    expect(items.map((i) => [i.getAttribute('data-span-id'), i.getAttribute('aria-level')])).toEqual([
      [ROOT, '1'],
      [LLM, '2'],
    ]);
    const bar = items[1]!.querySelector('.wf-bar') as HTMLElement;
    expect(bar.style.left).toBe('33.33333333333333%');
    expect(bar.className).toContain('wf-llm');
    expect(items[1]!.textContent).toContain('500ms');
    // The root is selected first; clicking the LLM span shows its inputs and outputs.
    fireEvent.click(items[1]!);
    await waitFor(() => expect(new URL(window.location.href).searchParams.get('span')).toBe(LLM));
    const helpful = document.querySelector('tr[data-assessment="helpful"]')!;
    expect(helpful.textContent).toContain('Answers the question');
    expect(helpful.textContent).toContain('HUMAN');
  });
});

describe('TracePage without span data', () => {
  it('says the trace has no stored spans, and still shows its info', async () => {
    handler = (url) => {
      if (url.startsWith('/ajax-api/3.0/mlflow/traces/')) return { body: { trace: { trace_info: INFO } } };
      if (url.startsWith('/ajax-api/2.0/mlflow/get-trace-artifact'))
        return {
          status: 404,
          body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "No artifact file at 'traces.json'." },
        };
      return { body: { experiment: { experiment_id: '7', name: 'demo' } } };
    };
    renderTracePage();
    expect((await screen.findByText(/No span data is stored for this trace/)).textContent).toContain(
      "No artifact file at 'traces.json'.",
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('answer');
  });
});

describe('TraceWaterfall', () => {
  it('moves the selection with the arrow keys and folds with ← and →', () => {
    const rows = buildSpanTree(readSpans(SPANS));
    const onSelect = vi.fn();
    const { rerender } = render(h(TraceWaterfall, { rows, selected: ROOT, onSelect }));
    const tree = screen.getByRole('tree', { name: 'Spans' });
    fireEvent.keyDown(tree, { key: 'ArrowDown' });
    expect(onSelect).toHaveBeenLastCalledWith(LLM);
    fireEvent.keyDown(tree, { key: 'ArrowLeft' });
    expect(screen.getAllByRole('treeitem')).toHaveLength(1);
    expect(screen.getByRole('treeitem').getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(tree, { key: 'ArrowRight' });
    expect(screen.getAllByRole('treeitem')).toHaveLength(2);
    rerender(h(TraceWaterfall, { rows, selected: LLM, onSelect }));
    fireEvent.keyDown(tree, { key: 'Home' });
    expect(onSelect).toHaveBeenLastCalledWith(ROOT);
    fireEvent.click(screen.getByRole('button', { name: 'Collapse answer' }));
    expect(screen.getAllByRole('treeitem')).toHaveLength(1);
  });
});

describe('searchRunTraces', () => {
  it("asks by run_id, and by the metadata key when the server's grammar lacks run_id", async () => {
    handler = (_url, init) => {
      const body = JSON.parse(String(init?.body));
      return body.filter.startsWith('run_id')
        ? {
            status: 400,
            body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid attribute key 'run_id'" },
          }
        : { body: { traces: [INFO] } };
    };
    const page = await searchRunTraces('7', 'abc');
    expect(page.traces).toHaveLength(1);
    expect(calls.map((c) => (c.body as { filter: string }).filter)).toEqual([
      "run_id = 'abc'",
      "metadata.`mlflow.sourceRun` = 'abc'",
    ]);
  });
});
