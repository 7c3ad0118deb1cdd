// @vitest-environment happy-dom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FilterBox } from '../src/components/filter-box.js';

afterEach(cleanup);

describe('FilterBox', () => {
  it('submits the trimmed filter on Enter', () => {
    const onSubmit = vi.fn();
    render(h(FilterBox, { value: '', onSubmit }));
    const input = screen.getByRole('searchbox', { name: 'Filter runs' });
    fireEvent.change(input, { target: { value: "  metrics.loss < 1 and params.model = 'tree' " } });
    fireEvent.submit(input.closest('form')!);
    expect(onSubmit).toHaveBeenCalledWith("metrics.loss < 1 and params.model = 'tree'");
  });

  it("shows the server's message inline and marks the box invalid", () => {
    const { rerender } = render(h(FilterBox, { value: 'metrics.loss >>> 1', onSubmit: vi.fn() }));
    const input = screen.getByRole('searchbox');
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    rerender(
      h(FilterBox, { value: 'metrics.loss >>> 1', onSubmit: vi.fn(), error: "Invalid comparator '>>>'" }),
    );
    expect(screen.getByRole('alert').textContent).toBe("Invalid comparator '>>>'");
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('filter-error');
  });

  it('reverts the draft on Escape and clears with the Clear button', () => {
    const onSubmit = vi.fn();
    render(h(FilterBox, { value: "params.a = '1'", onSubmit }));
    const input = screen.getByRole('searchbox') as HTMLInputElement;
    fireEvent.change(input, { target: { value: 'half typed' } });
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(input.value).toBe("params.a = '1'");
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(onSubmit).toHaveBeenCalledWith('');
    expect(input.value).toBe('');
  });

  it('follows the applied value when the URL changes', () => {
    const { rerender } = render(h(FilterBox, { value: 'a', onSubmit: vi.fn() }));
    rerender(h(FilterBox, { value: 'b', onSubmit: vi.fn() }));
    expect((screen.getByRole('searchbox') as HTMLInputElement).value).toBe('b');
  });
});
