/** Small protobuf edits of testkit ONNX models (no ONNX library needed). */

/** Protobuf: a varint, and a length-delimited field. */
export const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
export const field = (num: number, body: number[]): number[] => [
  ...varint((num << 3) | 2),
  ...varint(body.length),
  ...body,
];
export const text = (s: string): number[] => [...new TextEncoder().encode(s)];

interface PbField {
  num: number;
  /** The whole field, tag included. */
  bytes: Uint8Array;
  /** A length-delimited field's payload. */
  body?: Uint8Array;
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, pos];
  }
}

/** The top-level fields of a protobuf message. */
function pbFields(b: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  while (pos < b.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(b, pos);
    const wire = tag & 7;
    let body: Uint8Array | undefined;
    if (wire === 0) pos = readVarint(b, afterTag)[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else {
      const [length, at] = readVarint(b, afterTag);
      body = b.subarray(at, at + length);
      pos = at + length;
    }
    out.push({ num: Math.floor(tag / 8), bytes: b.subarray(start, pos), body });
  }
  return out;
}

const concatBytes = (parts: ArrayLike<number>[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => Array.from(p)));

/**
 * The model with the float initializer `name` turned into a required graph input (dims `dims`), as a
 * LoRA export declares its adapter weights; returns the new model and the initializer's values.
 */
export function initializerToInput(
  model: Uint8Array,
  name: string,
  dims: number[],
): { model: Uint8Array; values: Float32Array } {
  let values: Float32Array | undefined;
  const top = pbFields(model).map((f) => {
    if (f.num !== 7) return f.bytes;
    const graph = pbFields(f.body!).filter((g) => {
      if (g.num !== 5) return true;
      const tensor = pbFields(g.body!);
      if (new TextDecoder().decode(tensor.find((t) => t.num === 8)!.body) !== name) return true;
      values = new Float32Array(new Uint8Array(tensor.find((t) => t.num === 9)!.body!).buffer);
      return false;
    });
    const dimList = dims.flatMap((d) => field(1, [...varint(1 << 3), ...varint(d)]));
    const tensorType = field(1, [...varint(1 << 3), ...varint(1), ...field(2, dimList)]);
    const input = field(11, [...field(1, text(name)), ...field(2, tensorType)]);
    return new Uint8Array(field(7, [...concatBytes(graph.map((g) => g.bytes)), ...input]));
  });
  if (!values) throw new Error(`No initializer ${name}`);
  return { model: concatBytes(top), values };
}

/**
 * The model with a Cast of its `logits` output to float16, as a new graph output `name` (nodes and
 * outputs appended through a second ModelProto.graph, which protobuf merges; onnxruntime sorts nodes).
 */
export function withFloat16Logits(model: Uint8Array, name: string): Uint8Array {
  const to = field(5, [
    ...field(1, text('to')),
    ...varint(3 << 3),
    ...varint(10),
    ...varint(20 << 3),
    ...varint(2),
  ]);
  const cast = field(1, [
    ...field(1, text('logits')),
    ...field(2, text(name)),
    ...field(3, text('to_fp16')),
    ...field(4, text('Cast')),
    ...to,
  ]);
  const output = field(12, [
    ...field(1, text(name)),
    ...field(2, field(1, [...varint(1 << 3), ...varint(10)])),
  ]);
  return new Uint8Array([...model, ...field(7, [...cast, ...output])]);
}
