// @vitest-environment happy-dom

import { cleanup, render } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Markdown, renderMarkdown } from '../src/components/markdown.js';

afterEach(cleanup);

describe('Markdown', () => {
  it('renders CommonMark: headings, emphasis, lists, code and linkified URLs', () => {
    const html = renderMarkdown('# Title\n\n**bold** and `code`\n\n- one\n- two\n\nsee https://mlflow.org');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>two</li>');
    expect(html).toContain('<a href="https://mlflow.org" target="_blank" rel="noopener noreferrer">');
  });

  it('shows raw HTML as text: no script, no element, no event handler', () => {
    const { container } = render(
      h(Markdown, {
        source: '<script>window.pwned = 1</script>\n\n<img src=x onerror="alert(1)"> <b>hi</b>',
      }),
    );
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.textContent).toContain('<script>window.pwned = 1</script>');
    expect(container.textContent).toContain('<b>hi</b>');
    expect(container.innerHTML).toContain('&lt;script&gt;');
  });

  it('does not make javascript:, vbscript: or data: links', () => {
    const { container } = render(
      h(Markdown, {
        source:
          '[click](javascript:alert(1)) [v](vbscript:msgbox) [d](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.com)',
      }),
    );
    const hrefs = [...container.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['https://example.com']);
    expect(container.innerHTML).not.toContain('href="javascript:');
    expect(container.textContent).toContain('[click](javascript:alert(1))');
  });

  it('opens links in a new tab without an opener', () => {
    const { container } = render(h(Markdown, { source: '[docs](https://mlflow.org/docs)' }));
    const a = container.querySelector('a')!;
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
  });
});
