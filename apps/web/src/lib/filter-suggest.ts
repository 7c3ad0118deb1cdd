/**
 * Autocomplete for MLflow's run filter grammar (`metrics.rmse < 1 AND params.model = 'tree'`): reads the
 * text before the caret leniently (a half-typed key or string is fine) and says what may come next: a key,
 * a comparator valid for its entity, a known value, or `AND`. Pure: the filter box renders what this returns.
 */

import { type FilterToken, lexFilter } from './filter-tokens.js';

/** The keys and values the suggestions draw from (the experiment's, as far as the UI has seen them). */
export interface FilterVocabulary {
  params: readonly string[];
  metrics: readonly string[];
  tags: readonly string[];
  /** Known values by `params.<key>`, `tags.<key>` or `attributes.<name>` (unquoted). */
  values?: ReadonlyMap<string, readonly string[]>;
}

/** One suggestion: `insert` replaces the text between `from` and `to` of the filter. */
export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** What accepting it writes in place of `from…to` (ends with a space when a next part follows). */
  insert: string;
  /** A short hint beside the label: the entity or what the comparator does. */
  detail: string;
}

/** What may come at the caret, and the range a suggestion replaces. */
export interface SuggestResult {
  from: number;
  to: number;
  items: Suggestion[];
}

/** MLflow's run statuses, the values `attributes.status` takes. */
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;

type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

// MLflow's run attributes: the strings (run_id alone takes IN lists) and the numeric times.
const STRING_ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri'];
const NUMERIC_ATTRIBUTES = ['start_time', 'end_time'];
const DATASET_KEYS = ['name', 'digest', 'context'];

const ENTITY_ALIASES: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};
const CANONICAL: Record<Entity, string> = {
  metric: 'metrics',
  param: 'params',
  tag: 'tags',
  attribute: 'attributes',
  dataset: 'datasets',
};
const ATTRIBUTE_ALIASES: Record<string, string> = { created: 'start_time', 'run name': 'run_name' };

const NUMERIC = ['=', '!=', '<', '<=', '>', '>='];
const STRING = ['=', '!=', 'LIKE', 'ILIKE'];
const COMPARATOR_HINTS: Record<string, string> = {
  '=': 'equals',
  '!=': 'differs',
  '<': 'less than',
  '<=': 'at most',
  '>': 'greater than',
  '>=': 'at least',
  LIKE: "pattern, % any ('a%')",
  ILIKE: 'pattern, any case',
  IN: "one of ('a', 'b')",
  'NOT IN': "none of ('a', 'b')",
  'IS NULL': 'not set',
  'IS NOT NULL': 'set',
};

/** The comparators MLflow's run search allows for an entity's key. */
export function comparatorsFor(entity: Entity, key: string): string[] {
  if (entity === 'metric') return NUMERIC;
  if (entity === 'param' || entity === 'tag') return [...STRING, 'IS NULL', 'IS NOT NULL'];
  if (entity === 'dataset') return [...STRING, 'IN', 'NOT IN'];
  const name = ATTRIBUTE_ALIASES[key.toLowerCase()] ?? key;
  if (NUMERIC_ATTRIBUTES.includes(name)) return NUMERIC;
  if (name === 'run_id') return [...STRING, 'IN', 'NOT IN'];
  return STRING;
}

/** A key as the grammar writes it: bare when it is letters, digits and `_`, else in backticks. */
export function filterKey(entity: string, key: string): string {
  return /^[\p{L}\p{N}_]+$/u.test(key) ? `${entity}.${key}` : `${entity}.\`${key.replaceAll('`', '``')}\``;
}

/** A string value in single quotes, a quote inside doubled (as the grammar reads it). */
export function quoteValue(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Distinct param, tag and attribute values of some runs, for value suggestions (at most `perKey` each). */
export function knownValues(
  runs: readonly {
    info: { user_id?: string; run_name?: string };
    data: { params?: { key: string; value?: string }[]; tags?: { key: string; value?: string }[] };
  }[],
  perKey = 50,
): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (key: string, value: string | undefined) => {
    if (value === undefined || value === '' || value.length > 200) return;
    const set = out.get(key) ?? new Set<string>();
    out.set(key, set);
    if (set.size < perKey) set.add(value);
  };
  for (const run of runs) {
    add('attributes.user_id', run.info.user_id);
    add('attributes.run_name', run.info.run_name);
    for (const p of run.data.params ?? []) add(`params.${p.key}`, p.value);
    for (const t of run.data.tags ?? []) add(`tags.${t.key}`, t.value);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort((a, b) => a.localeCompare(b))]));
}

// Where the parse stands after the complete tokens: what the next token may be.
type State =
  | { expect: 'key' }
  | { expect: 'comparator'; entity: Entity; key: string }
  | { expect: 'value'; entity: Entity; key: string; list: boolean }
  | { expect: 'null'; not: boolean }
  | { expect: 'and' | 'none' };

function entityOf(parts: string[]): { entity: Entity; key: string } | null {
  if (parts.length === 1) return { entity: 'attribute', key: parts[0]! };
  const entity = ENTITY_ALIASES[parts[0]!.toLowerCase()];
  return entity ? { entity, key: parts.slice(1).join('.') } : null;
}

// One step of the clause grammar: identifier, comparator, value, then AND.
function step(state: State, tok: FilterToken): State {
  switch (state.expect) {
    case 'key': {
      if (tok.kind !== 'ident') return { expect: 'none' };
      const resolved = entityOf(tok.parts);
      return resolved ? { expect: 'comparator', ...resolved } : { expect: 'none' };
    }
    case 'comparator': {
      if (tok.kind === 'op') return { expect: 'value', entity: state.entity, key: state.key, list: false };
      if (tok.kind !== 'word') return { expect: 'none' };
      if (tok.text === 'LIKE' || tok.text === 'ILIKE') return { ...state, expect: 'value', list: false };
      if (tok.text === 'IN') return { ...state, expect: 'value', list: true };
      if (tok.text === 'NOT') return state; // NOT IN: the IN comes next.
      if (tok.text === 'IS') return { expect: 'null', not: false };
      return { expect: 'none' };
    }
    case 'value': {
      if (!state.list)
        return tok.kind === 'string' || tok.kind === 'number' ? { expect: 'and' } : { expect: 'none' };
      if (tok.kind === 'punct' && tok.text === ')') return { expect: 'and' };
      return tok.kind === 'punct' || tok.kind === 'string' ? state : { expect: 'none' };
    }
    case 'null':
      if (tok.kind === 'word' && tok.text === 'NOT' && !state.not) return { expect: 'null', not: true };
      return tok.kind === 'word' && tok.text === 'NULL' ? { expect: 'and' } : { expect: 'none' };
    case 'and':
      return tok.kind === 'word' && tok.text === 'AND' ? { expect: 'key' } : { expect: 'none' };
    default:
      return state;
  }
}

function keySuggestions(partial: FilterToken | undefined, vocab: FilterVocabulary): Suggestion[] {
  const all: { entity: string; key: string; detail: string }[] = [
    ...NUMERIC_ATTRIBUTES.map((key) => ({ entity: 'attributes', key, detail: 'attribute (ms)' })),
    ...STRING_ATTRIBUTES.map((key) => ({ entity: 'attributes', key, detail: 'attribute' })),
    ...vocab.metrics.map((key) => ({ entity: 'metrics', key, detail: 'metric' })),
    ...vocab.params.map((key) => ({ entity: 'params', key, detail: 'param' })),
    ...vocab.tags.map((key) => ({ entity: 'tags', key, detail: 'tag' })),
    ...DATASET_KEYS.map((key) => ({ entity: 'datasets', key, detail: 'dataset' })),
  ];
  const toItem = (c: (typeof all)[number]) => {
    const text = filterKey(c.entity, c.key);
    return { label: text, insert: `${text} `, detail: c.detail };
  };
  const parts = partial?.kind === 'ident' ? partial.parts : [];
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) {
    // Nothing typed yet: the entity prefixes, each opening its keys.
    return ['metrics', 'params', 'tags', 'attributes', 'datasets'].map((e) => ({
      label: `${e}.`,
      insert: `${e}.`,
      detail: 'prefix',
    }));
  }
  if (parts.length === 1) {
    // `metr` names the entity (list its keys); `loss` names a key of any entity.
    const word = parts[0]!.toLowerCase();
    const byEntity = all.filter((c) => c.entity.startsWith(word));
    const byKey = all.filter((c) => !byEntity.includes(c) && c.key.toLowerCase().startsWith(word));
    const inKey = all.filter(
      (c) => !byEntity.includes(c) && !byKey.includes(c) && c.key.toLowerCase().includes(word),
    );
    return [...byEntity, ...byKey, ...inKey].map(toItem);
  }
  const entity = ENTITY_ALIASES[parts[0]!.toLowerCase()];
  if (!entity) return [];
  const canonical = CANONICAL[entity];
  const typed = parts.slice(1).join('.').toLowerCase();
  const mine = all.filter((c) => c.entity === canonical);
  const starts = mine.filter((c) => c.key.toLowerCase().startsWith(typed));
  const contains = mine.filter((c) => !starts.includes(c) && c.key.toLowerCase().includes(typed));
  return [...starts, ...contains].map(toItem);
}

function valueSuggestions(
  state: { entity: Entity; key: string; list: boolean },
  partial: FilterToken | undefined,
  vocab: FilterVocabulary,
): Suggestion[] {
  const name = ATTRIBUTE_ALIASES[state.key.toLowerCase()] ?? state.key;
  const values =
    state.entity === 'attribute' && name === 'status'
      ? RUN_STATUSES
      : (vocab.values?.get(`${CANONICAL[state.entity]}.${state.entity === 'attribute' ? name : state.key}`) ??
        []);
  const typed = partial?.kind === 'string' ? partial.value.toLowerCase() : '';
  const starts = values.filter((v) => v.toLowerCase().startsWith(typed));
  const contains = values.filter((v) => !starts.includes(v) && v.toLowerCase().includes(typed));
  return [...starts, ...contains].map((v) => ({
    label: quoteValue(v),
    insert: state.list ? quoteValue(v) : `${quoteValue(v)} `,
    detail: 'value',
  }));
}

// The word being typed: a keyword or a one-part name (`li` on its way to LIKE), upper-cased.
function wordOf(partial: FilterToken | undefined): string | null {
  if (!partial) return '';
  if (partial.kind === 'word' || partial.kind === 'op') return partial.text.toUpperCase();
  if (partial.kind === 'ident' && partial.parts.length === 1 && !partial.open)
    return partial.parts[0]!.toUpperCase();
  return null;
}

function filterByPrefix(options: string[], typed: string): string[] {
  const upper = typed.toUpperCase();
  return options.filter((o) => o.startsWith(upper));
}

/**
 * What may be written at `caret` in `text`: keys (`attributes.*`, `metrics.*`, `params.*`, `tags.*`,
 * `datasets.*`; backticks where a key needs them), then comparators valid for the key's entity (as MLflow's
 * run search allows), then known values, then `AND`. At most `limit` items.
 */
export function suggestFilter(
  text: string,
  caret: number,
  vocab: FilterVocabulary,
  limit = 50,
): SuggestResult {
  const before = text.slice(0, caret);
  const none = { from: caret, to: caret, items: [] };
  const tokens = lexFilter(before);
  if (!tokens) return none;
  // The last token is being typed when the caret touches it; it is then the prefix a suggestion replaces.
  const last = tokens.at(-1);
  const touching = last !== undefined && last.end === before.length;
  const partial = touching ? last : undefined;
  let state: State = { expect: 'key' };
  for (const tok of touching ? tokens.slice(0, -1) : tokens) state = step(state, tok);
  // The end of the token at the caret (a key's rest, as in `metrics.lo|ss`) is replaced too.
  const rest = /^[\p{L}\p{N}_.`]*/u.exec(text.slice(caret))?.[0].length ?? 0;
  const from = partial ? partial.at : caret;
  const to = caret + (partial?.kind === 'ident' ? rest : 0);
  const result = (items: Suggestion[]) => ({ from, to, items: items.slice(0, limit) });

  // A closed string or list right at the caret ends a clause: offer AND after a space.
  if (partial && state.expect === 'value') {
    const ended = step(state, partial);
    if (ended.expect === 'and' && partial.kind !== 'number' && !(partial.kind === 'string' && partial.open)) {
      return { from: caret, to: caret, items: [{ label: 'AND', insert: ' AND ', detail: 'another clause' }] };
    }
  }
  if (partial?.kind === 'word' && partial.text === 'NULL' && state.expect === 'null') {
    return { from: caret, to: caret, items: [{ label: 'AND', insert: ' AND ', detail: 'another clause' }] };
  }

  switch (state.expect) {
    case 'key':
      if (partial && partial.kind !== 'ident' && partial.kind !== 'word') return none;
      return result(
        keySuggestions(
          partial?.kind === 'word'
            ? { ...partial, kind: 'ident', parts: [partial.text], open: false }
            : partial,
          vocab,
        ),
      );
    case 'comparator': {
      const typed = wordOf(partial);
      if (typed === null) return none;
      const options = comparatorsFor(state.entity, state.key);
      const matches = typed === '' ? options : filterByPrefix(options, typed);
      return result(
        matches.map((c) => ({
          label: c,
          insert: c === 'IN' || c === 'NOT IN' ? `${c} (` : `${c} `,
          detail: COMPARATOR_HINTS[c] ?? '',
        })),
      );
    }
    case 'value': {
      if (partial && partial.kind !== 'string') {
        if (!(state.list && partial.kind === 'punct')) return none;
        return { from: caret, to: caret, items: valueSuggestions(state, undefined, vocab).slice(0, limit) };
      }
      return result(valueSuggestions(state, partial, vocab));
    }
    case 'null': {
      const typed = wordOf(partial);
      if (typed === null) return none;
      return result(
        filterByPrefix(state.not ? ['NULL'] : ['NULL', 'NOT NULL'], typed).map((c) => ({
          label: c,
          insert: `${c} `,
          detail: '',
        })),
      );
    }
    case 'and': {
      const typed = wordOf(partial);
      if (typed === null || !'AND'.startsWith(typed)) return none;
      return result([{ label: 'AND', insert: 'AND ', detail: 'another clause' }]);
    }
    default:
      return none;
  }
}
