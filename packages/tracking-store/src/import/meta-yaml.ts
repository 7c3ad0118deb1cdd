import { parseAllDocuments, type ScalarTag, type Tags } from 'yaml';

// MLflow's file store writes meta.yaml with PyYAML's safe_dump, so it is read with YAML 1.1's rules as
// PyYAML applies them (`yes`/`on` are booleans, `~` is null, `0755` is octal), by the `yaml` library.

/** A value read from a meta.yaml file; integers beyond 2^53 stay exact as bigint. */
export type MetaValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | MetaValue[]
  | { [key: string]: MetaValue };

function plain(value: unknown): MetaValue {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  // PyYAML reads YAML 1.1 timestamps as datetimes; MLflow never writes one, keep the instant as text.
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(plain(k)), plain(v)]));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value as MetaValue;
}

// YAML 1.1 also reads `y`/`n` as booleans, PyYAML does not (and writes them unquoted), so its resolver wins.
const PYYAML_BOOL: Record<string, RegExp> = {
  true: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  false: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
};

function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:bool' || !('identify' in tag)) return tag;
    const test = PYYAML_BOOL[String(tag.identify?.(true))];
    return test ? ({ ...tag, test } as ScalarTag) : tag;
  });
}

/** Parses one meta.yaml document; throws an Error naming the line on anything it cannot read. */
export function parseMetaYaml(text: string): MetaValue {
  const documents = parseAllDocuments(text, {
    version: '1.1',
    intAsBigInt: true,
    prettyErrors: true,
    customTags: pyyamlTags,
  });
  if (!Array.isArray(documents)) return null;
  if (documents.length > 1) throw new Error('the file holds several YAML documents; MLflow writes one');
  const [document] = documents;
  if (!document) return null;
  const error = document.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line;
    throw new Error(`${line ? `line ${line}: ` : ''}${error.message.split('\n')[0]}`);
  }
  return plain(document.toJS({ maxAliasCount: 0 }));
}
