import MarkdownIt from 'markdown-it';
import { useMemo } from 'react';
import './markdown.css';

// HTML off: raw tags in a description are shown as text, never parsed. markdown-it's own validateLink
// stays on, so `javascript:`, `vbscript:`, `file:` and non-image `data:` links are not made into links.
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

// Links open in a new tab without handing it this window (rel noopener noreferrer), as MLflow's UI does.
const defaultLinkOpen =
  md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** `source` as HTML by CommonMark (with linkified URLs, tables and strikethrough), raw HTML escaped. */
export function renderMarkdown(source: string): string {
  return md.render(source).trim();
}

/** A description rendered as Markdown, safely (markdown-it with HTML off and its link validation), as MLflow's UI renders notes. */
export function Markdown({ source, className = '' }: { source: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  return (
    // biome-ignore lint/security/noDangerouslySetInnerHtml: markdown-it escapes raw HTML (html: false) and validates links.
    <div className={`markdown ${className}`.trim()} dangerouslySetInnerHTML={{ __html: html }} />
  );
}
