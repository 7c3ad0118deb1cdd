import mime from 'mime-types';

// The headers MLflow's server sends with an artifact download (its `_guess_mime_type` and werkzeug's
// `send_file`), so clients, browsers and MLflow's own tests see the same thing from Flowline.

// Extensions (and bare file names) MLflow serves as exactly `text/plain`, so a browser shows them as text.
const TEXT_NAMES = new Set(
  'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst MLmodel mlproject'.split(
    ' ',
  ),
);

/** MLflow's content type for a file name: `text/plain` for text formats, else the registered type. */
export function artifactContentType(name: string): string {
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1) : name;
  if (TEXT_NAMES.has(extension)) return 'text/plain';
  return mime.lookup(name) || 'application/octet-stream';
}

// RFC 7230 token characters: a name made only of these needs no quotes.
const TOKEN = /^[!#$%&'*+\-.0-9A-Za-z^_`|~]+$/;

function quoteName(name: string): string {
  return TOKEN.test(name) ? name : `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Percent-encoding as Python's `quote(name, safe="!#$&+-.^_`|~")`, for RFC 6266's `filename*`. */
function percentEncode(name: string): string {
  return [...Buffer.from(name, 'utf8')]
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(ch) && byte < 0x80
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * `attachment; filename=…` as werkzeug writes it: a plain ASCII name bare or quoted; any other name as an
 * ASCII fallback plus RFC 6266's `filename*=UTF-8''…`, so every name (spaces, accents, CJK) is a valid header.
 */
export function attachmentDisposition(name: string): string {
  // Header values may not hold control characters; a name with them keeps only its visible part.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: those are what is removed.
  const visible = name.replace(/[\u0000-\u001f\u007f]/g, '');
  if (/^[\u0020-\u007e]*$/.test(visible)) return `attachment; filename=${quoteName(visible)}`;
  const simple = visible
    .normalize('NFKD')
    .replace(/[^\u0020-\u007e]/g, '')
    .trim();
  return `attachment; filename=${quoteName(simple || 'download')}; filename*=UTF-8''${percentEncode(visible)}`;
}
