// A minimal protobuf writer for the few ONNX messages tiny test models need. Hand-written on purpose:
// it keeps the test kit free of a protobuf runtime, and the field numbers below are ONNX's (onnx.proto3).

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function concat(parts: Field[]): Uint8Array {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A varint field. */
export const int = (field: number, value: number | bigint): Field =>
  new Uint8Array([...varint((field << 3) | 0), ...varint(value)]);
/** A length-delimited field holding bytes or a nested message. */
export const bytes = (field: number, value: Uint8Array): Field =>
  concat([new Uint8Array([...varint((field << 3) | 2), ...varint(value.length)]), value]);
/** A string field. */
export const str = (field: number, value: string): Field => bytes(field, new TextEncoder().encode(value));
/** A 32-bit float field (wire type 5). */
export const float32 = (field: number, value: number): Field => {
  const buf = new Uint8Array(5);
  buf[0] = (field << 3) | 5;
  new DataView(buf.buffer).setFloat32(1, value, true);
  return buf;
};
/** A nested message built from fields. */
export const msg = (field: number, ...fields: Field[]): Field => bytes(field, concat(fields));
/** A top-level message. */
export const message = (...fields: Field[]): Uint8Array => concat(fields);

/** ONNX element types used here. */
export const ElemType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7 } as const;

/** A tensor initializer (TensorProto: dims=1, data_type=2, name=8, raw_data=9). */
export function tensor(
  name: string,
  dims: number[],
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array,
  type: number,
): Field {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return message(...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, raw));
}

/** A graph input or output (ValueInfoProto) with a tensor type; string dims are symbolic (e.g. batch). */
export function valueInfo(
  field: number,
  name: string,
  elemType: number,
  dims: Array<number | string>,
): Field {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...shape))));
}

/** A node (NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7; default domain unless given). */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attributes: Field[] = [],
  domain?: string,
): Field {
  return msg(
    1,
    ...inputs.map((i) => str(1, i)),
    ...outputs.map((o) => str(2, o)),
    str(3, name),
    str(4, opType),
    ...attributes,
    ...(domain === undefined ? [] : [str(7, domain)]),
  );
}

/** An int attribute (AttributeProto: name=1, i=3, type=20 INT=2). */
export const intAttribute = (name: string, value: number): Field =>
  msg(5, str(1, name), int(3, value), int(20, 2));

/**
 * A whole model (ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8); `domains` adds opset
 * imports for other operator domains, e.g. `{ 'com.microsoft': 1 }` for ONNX Runtime's contrib ops.
 */
export function model(graphFields: Field[], opset = 17, domains: Record<string, number> = {}): Uint8Array {
  return message(
    int(1, 8),
    str(2, 'flowline-testkit'),
    msg(7, ...graphFields),
    msg(8, str(1, ''), int(2, opset)),
    ...Object.entries(domains).map(([domain, version]) => msg(8, str(1, domain), int(2, version))),
  );
}

/** An ints attribute (AttributeProto: name=1, ints=8, type=20 INTS=7). */
export const intsAttribute = (name: string, values: number[]): Field =>
  msg(5, str(1, name), ...values.map((v) => int(8, v)), int(20, 7));

/** A float attribute (AttributeProto: name=1, f=2, type=20 FLOAT=1). */
export const floatAttribute = (name: string, value: number): Field =>
  msg(5, str(1, name), float32(2, value), int(20, 1));
