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
