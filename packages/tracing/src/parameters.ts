// MLflow records a traced function's inputs as `{parameter name: argument}`. JavaScript keeps no
// parameter names at run time, so they are read off the function's source when it is plain enough
// (identifiers, defaults, a rest parameter); otherwise the arguments are recorded positionally.

/** A function's parameter names (a rest parameter as `...name`), or `undefined` when they can't be read. */
export function parameterNames(fn: (...args: never[]) => unknown): string[] | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  source = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const single = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (single?.[1] !== undefined) return [single[1]];
  const list = parenthesised(source);
  if (list === undefined) return undefined;
  const names: string[] = [];
  for (const piece of splitTopLevel(list)) {
    const match = /^\s*(\.\.\.)?\s*([A-Za-z_$][\w$]*)\s*(?:=[\s\S]*)?$/.exec(piece);
    if (match?.[2] === undefined) return undefined; // destructuring: no single name to use
    names.push((match[1] ?? '') + match[2]);
  }
  return names;
}

/**
 * The inputs to record for a call: `{name: argument}` by parameter name (extra arguments as `arg<i>`);
 * without names, a lone object argument itself, else the argument list.
 */
export function inputsFromArguments(args: readonly unknown[], names: string[] | undefined): unknown {
  if (names === undefined) {
    const only = args[0];
    return args.length === 1 && only !== null && typeof only === 'object' && !Array.isArray(only)
      ? only
      : args;
  }
  const inputs: Record<string, unknown> = {};
  for (const [i, name] of names.entries()) {
    if (name.startsWith('...')) {
      inputs[name.slice(3)] = args.slice(i);
      return inputs;
    }
    if (i < args.length) inputs[name] = args[i];
  }
  for (let i = names.length; i < args.length; i++) inputs[`arg${i}`] = args[i];
  return inputs;
}

// The text between the first `(` and its matching `)`.
function parenthesised(source: string): string | undefined {
  const start = source.indexOf('(');
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return source.slice(start + 1, i);
  }
  return undefined;
}

// Splits on commas outside brackets and strings; drops a trailing empty piece.
function splitTopLevel(list: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const c of list) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      pieces.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '') pieces.push(current);
  return pieces;
}
