/**
 * Writes a tiny ONNX model (y = Identity(x), float32[n]) by encoding the
 * protobuf by hand, so engine tests need no Python and no committed binaries.
 * Field numbers are from onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto).
 */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v & 127) | 128);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const bytesField = (field: number, bytes: number[]): number[] => [...key(field, 2), ...varint(bytes.length), ...bytes];
const stringField = (field: number, s: string): number[] => bytesField(field, [...Buffer.from(s, 'utf8')]);
const intField = (field: number, n: number): number[] => [...key(field, 0), ...varint(n)];

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: FLOAT, shape { dim { dim_value: n } } } } } */
function floatVector(name: string, n: number): number[] {
  const dim = bytesField(1, intField(1, n));
  const shape = bytesField(2, dim);
  const tensorType = bytesField(1, [...intField(1, 1), ...shape]);
  return [...stringField(1, name), ...bytesField(2, tensorType)];
}

/** Bytes of an ONNX model (IR 8, opset 13) computing y = x for float32[n]. */
export function identityModel(n = 4, inputName = 'x', outputName = 'y'): Uint8Array {
  const node = [...stringField(1, inputName), ...stringField(2, outputName), ...stringField(4, 'Identity')];
  const graph = [...bytesField(1, node), ...stringField(2, 'identity'), ...bytesField(11, floatVector(inputName, n)), ...bytesField(12, floatVector(outputName, n))];
  const opset = bytesField(8, [...stringField(1, ''), ...intField(2, 13)]);
  return new Uint8Array([...intField(1, 8), ...opset, ...bytesField(7, graph)]);
}

/** A graph value: ONNX element type (1 float, 6 int32, 7 int64, 10 float16) and dims (numbers fixed, strings symbolic). */
export interface TinyValue {
  name: string;
  elemType: number;
  dims: readonly (number | string)[];
}

function valueInfo(v: TinyValue): number[] {
  const dims = v.dims.flatMap((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  const tensorType = bytesField(1, [...intField(1, v.elemType), ...bytesField(2, dims)]);
  return [...stringField(1, v.name), ...bytesField(2, tensorType)];
}

const ELEM_BYTES: Record<number, number> = { 1: 4, 6: 4, 7: 8, 10: 2 };

/**
 * Bytes of an ONNX model (IR 8, opset 13) with the given inputs (unused) and outputs, each output a
 * Constant of zeros whose dims are the output's fixed sizes and 1 where it is symbolic: a graph
 * onnxruntime loads and runs, with exactly the declared interface. `initializers` adds named float
 * tensors [1] (optionally stored in an external file, `location`, for the reader's tests).
 */
export function interfaceModel(
  inputs: readonly TinyValue[],
  outputs: readonly TinyValue[],
  initializers: readonly { name: string; location?: string }[] = [],
): Uint8Array {
  const nodes = outputs.map((o) => {
    const dims = o.dims.map((d) => (typeof d === 'number' ? d : 1));
    const count = dims.reduce((a, b) => a * b, 1);
    const tensor = [...dims.flatMap((d) => intField(1, d)), ...intField(2, o.elemType), ...bytesField(9, new Array<number>(count * (ELEM_BYTES[o.elemType] ?? 4)).fill(0))];
    const attribute = [...stringField(1, 'value'), ...bytesField(5, tensor), ...intField(20, 4)];
    return bytesField(1, [...stringField(2, o.name), ...stringField(4, 'Constant'), ...bytesField(5, attribute)]);
  });
  const inits = initializers.map((init) => {
    const external = init.location
      ? [...bytesField(13, [...stringField(1, 'location'), ...stringField(2, init.location)]), ...intField(14, 1)]
      : bytesField(9, [0, 0, 0, 0]);
    return bytesField(5, [...intField(1, 1), ...intField(2, 1), ...stringField(8, init.name), ...external]);
  });
  const graph = [
    ...nodes.flat(),
    ...stringField(2, 'interface'),
    ...inits.flat(),
    ...inputs.flatMap((v) => bytesField(11, valueInfo(v))),
    ...outputs.flatMap((v) => bytesField(12, valueInfo(v))),
  ];
  const opset = bytesField(8, [...stringField(1, ''), ...intField(2, 13)]);
  return new Uint8Array([...intField(1, 8), ...opset, ...bytesField(7, graph)]);
}
