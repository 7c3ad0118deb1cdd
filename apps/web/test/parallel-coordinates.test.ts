// @vitest-environment happy-dom

import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../src/api/types.js';
import { ParallelCoordinates } from '../src/components/parallel-coordinates.js';
import { hoveredId, setHovered } from '../src/lib/chart-hover.js';
import { buildAxis, defaultAxes, polylinePath, position, rampColor } from '../src/lib/parallel-coords.js';

afterEach(() => {
  cleanup();
  setHovered(null); // the shared hover outlives a render
});

function run(id: string, params: Record<string, string>, metrics: Record<string, number>): Run {
  return {
    info: { run_id: id, run_uuid: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
    data: {
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
    },
    inputs: {},
  };
}

const runs = [
  run('a', { lr: '0.1', model: 'tree', seed: '1', layers: '10' }, { loss: 0.5, acc: 0.9 }),
  run('b', { lr: '0.01', model: 'linear', seed: '1', layers: '2' }, { loss: 0.9, acc: 0.7 }),
  run('c', { lr: '0.05', model: 'tree', seed: '1' }, { loss: 0.1 }),
];
const choices = ['param:layers', 'param:lr', 'param:model', 'param:seed', 'metric:acc', 'metric:loss'];
const labels = { a: 'alpha', b: 'beta', c: 'gamma' };

describe('parallel coordinates axes', () => {
  it('scales numeric params and metrics between min and max, and orders categorical params', () => {
    expect(buildAxis(runs, 'param:lr')).toMatchObject({ kind: 'numeric', min: 0.01, max: 0.1 });
    expect(buildAxis(runs, 'metric:loss')).toMatchObject({ kind: 'numeric', min: 0.1, max: 0.9 });
    expect(buildAxis(runs, 'param:model')).toMatchObject({
      kind: 'categorical',
      categories: ['linear', 'tree'],
    });
    const mixed = [run('x', { v: '10' }, {}), run('y', { v: 'auto' }, {}), run('z', { v: '9' }, {})];
    expect(buildAxis(mixed, 'param:v')).toMatchObject({
      kind: 'categorical',
      categories: ['9', '10', 'auto'],
    });
    const lr = buildAxis(runs, 'param:lr');
    expect(runs.map((r) => position(lr, r))).toEqual([1, 0, (0.05 - 0.01) / (0.1 - 0.01)]);
    expect(runs.map((r) => position(buildAxis(runs, 'param:model'), r))).toEqual([1, 0, 1]);
    expect(position(buildAxis(runs, 'param:seed'), runs[0]!)).toBe(0.5);
    expect(position(buildAxis(runs, 'param:layers'), runs[2]!)).toBeUndefined();
  });

  it('breaks a line where a run has no value, and colours from blue (low) to red (high)', () => {
    expect(polylinePath([0, 1, undefined, 0.5], [0, 10, 20, 30], 0, 100)).toBe(
      'M0.0,100.0L10.0,0.0M30.0,50.0',
    );
    expect([rampColor(0), rampColor(1), rampColor(undefined)]).toEqual([
      'rgb(59, 130, 246)',
      'rgb(239, 68, 68)',
      '#9ca3af',
    ]);
  });

  it('starts with the params that differ, then the colour metric', () => {
    expect(defaultAxes(runs, choices, 'metric:loss')).toEqual([
      'param:layers',
      'param:lr',
      'param:model',
      'param:seed',
      'metric:loss',
    ]);
    expect(defaultAxes(runs, choices, 'metric:loss', 3)).toEqual(['param:layers', 'param:lr', 'metric:loss']);
  });
});

describe('<ParallelCoordinates>', () => {
  it('draws one line per run across one axis per choice, coloured by the chosen metric', () => {
    const { container } = render(h(ParallelCoordinates, { runs, choices, labels }));
    const lines = [...container.querySelectorAll('path.pc-line')];
    expect(lines.map((l) => l.getAttribute('data-run-id'))).toEqual(['a', 'b', 'c']);
    expect([...container.querySelectorAll('.pc-axis')].map((a) => a.getAttribute('data-axis'))).toEqual([
      'param:layers',
      'param:lr',
      'param:model',
      'param:seed',
      'metric:acc',
    ]);
    const model = container.querySelector('.pc-axis[data-axis="param:model"]')!;
    expect(model.getAttribute('data-kind')).toBe('categorical');
    expect([...model.querySelectorAll('.pc-category')].map((t) => t.textContent)).toEqual(['linear', 'tree']);
    // Colour by acc (the first metric): beta lowest (blue), alpha highest (red), gamma without acc grey.
    expect(lines.map((l) => l.getAttribute('stroke'))).toEqual([
      'rgb(239, 68, 68)',
      'rgb(59, 130, 246)',
      '#9ca3af',
    ]);
    // Gamma has no `layers`: its line starts at the second axis.
    expect(lines[2]!.getAttribute('d')).toMatch(/^M220\.0,/);
  });

  it('recolours by another metric, and adds and removes axes from the chooser', () => {
    const { container, getByLabelText } = render(h(ParallelCoordinates, { runs, choices, labels }));
    fireEvent.change(getByLabelText('Colour by metric'), { target: { value: 'metric:loss' } });
    const strokes = [...container.querySelectorAll('path.pc-line')].map((l) => l.getAttribute('stroke'));
    expect(strokes[1]).toBe('rgb(239, 68, 68)');
    expect(strokes[2]).toBe('rgb(59, 130, 246)');
    fireEvent.click(getByLabelText('Axis param:seed'));
    fireEvent.click(getByLabelText('Axis metric:loss'));
    expect([...container.querySelectorAll('.pc-axis')].map((a) => a.getAttribute('data-axis'))).toEqual([
      'param:layers',
      'param:lr',
      'param:model',
      'metric:acc',
      'metric:loss',
    ]);
  });

  it('names the hovered run with its values and dims the others', () => {
    const { container } = render(h(ParallelCoordinates, { runs, choices, labels }));
    const beta = container.querySelector('path.pc-line[data-run-id="b"]')!;
    fireEvent.mouseEnter(beta);
    expect(container.querySelector('.pc-hover')!.textContent).toBe(
      'beta: layers=2, lr=0.01, model=linear, seed=1, acc=0.7',
    );
    expect(beta.getAttribute('class')).toContain('hovered');
    expect(container.querySelector('path.pc-line[data-run-id="a"]')!.getAttribute('class')).toContain(
      'dimmed',
    );
    fireEvent.mouseLeave(container.querySelector('svg.pc-plot')!);
    expect(container.querySelector('.pc-hover')!.textContent).toMatch(/^Colour: acc/);
    // The keyboard reaches the same readout: each line takes focus.
    fireEvent.focus(container.querySelector('path.pc-line[data-run-id="c"]')!);
    expect(container.querySelector('.pc-hover')!.textContent).toMatch(/^gamma: layers=—, lr=0.05/);
  });

  it("joins the page's shared hover: hovering a line sets it, and a run hovered elsewhere is emphasised", () => {
    const { container } = render(h(ParallelCoordinates, { runs, choices, labels }));
    const root = container.querySelector('.parallel-coords')!;
    const line = (id: string) => container.querySelector(`path.pc-line[data-run-id="${id}"]`)!;
    expect(root.getAttribute('data-highlighted')).toBe('');
    fireEvent.mouseEnter(line('a'));
    expect(hoveredId()).toBe('a');
    expect(root.getAttribute('data-highlighted')).toBe('a');
    fireEvent.mouseLeave(line('a'));
    expect(hoveredId()).toBeNull();
    // Another chart (or the runs table) hovers gamma: its line is emphasised, the others fade, keeping
    // their colours.
    act(() => setHovered('c'));
    expect(root.getAttribute('data-highlighted')).toBe('c');
    expect(line('c').getAttribute('class')).toContain('hovered');
    expect(line('c').getAttribute('stroke-width')).toBe('4');
    expect(['a', 'b'].map((id) => line(id).getAttribute('class'))).toEqual([
      'pc-line dimmed',
      'pc-line dimmed',
    ]);
    expect(line('a').getAttribute('stroke')).toBe('rgb(239, 68, 68)');
    expect(container.querySelector('.pc-hover')!.textContent).toMatch(/^gamma: /);
    // A hovered id that is not a run here (a group of the chart view) fades nothing.
    act(() => setHovered('group:x'));
    expect(container.querySelectorAll('path.pc-line.dimmed')).toHaveLength(0);
  });
});
