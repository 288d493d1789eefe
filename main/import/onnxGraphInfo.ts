/**
 * Reads an ONNX file's graph inputs and outputs (names, element types, dims) without loading it:
 * a protobuf walk that seeks past everything else (weights, nodes), so a 3.4 GB UNet costs a few
 * kilobytes of reads and no memory for its weights. onnxruntime's session metadata says the same
 * (test/unit/main/import/onnxGraphInfo.test.ts checks both agree), but building a session loads
 * and optimises every weight: seconds and gigabytes per graph for Stable Diffusion.
 *
 * Field numbers from onnx.proto3:
 *   ModelProto      1 ir_version (varint), 7 graph, 8 opset_import (OperatorSetIdProto: 1 domain, 2 version)
 *   GraphProto      5 initializer (TensorProto: 8 name, 13 external_data {1 key, 2 value}), 11 input, 12 output
 *   ValueInfoProto  1 name, 2 type
 *   TypeProto       1 tensor_type (1 elem_type, 2 shape); any other field: not a tensor
 *   TensorShapeProto 1 dim (Dimension: 1 dim_value, 2 dim_param)
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface GraphValue {
  name: string;
  /** onnxruntime's element type names ('float32', 'float16', 'int64', ...), or 'non-tensor'. */
  dtype: string;
  /** Fixed sizes as numbers, symbolic dims by their name ('' when the graph leaves one unnamed). */
  shape: (number | string)[];
}

export interface GraphInfo {
  irVersion: number;
  /** The default ('' / ai.onnx) domain's opset, or null when the model names none. */
  opset: number | null;
  inputs: GraphValue[];
  outputs: GraphValue[];
  /** The external data files the initializers name (`location`, relative to the graph), e.g. model.onnx_data. */
  externalFiles: string[];
}

const ELEM_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

/** Bytes of the file at an offset; the source of a Reader (a file, read in chunks, or a buffer). */
interface ByteSource {
  size: number;
  byteAt(pos: number): Promise<number>;
  bytes(pos: number, length: number): Promise<Buffer>;
}

class FileSource implements ByteSource {
  private chunk = Buffer.alloc(0);
  private chunkStart = 0;
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async byteAt(pos: number): Promise<number> {
    if (pos < this.chunkStart || pos >= this.chunkStart + this.chunk.length) {
      const length = Math.min(65536, this.size - pos);
      if (length <= 0) throw new Error('unexpected end of file');
      this.chunk = Buffer.alloc(length);
      await this.handle.read(this.chunk, 0, length, pos);
      this.chunkStart = pos;
    }
    return this.chunk[pos - this.chunkStart] as number;
  }

  async bytes(pos: number, length: number): Promise<Buffer> {
    if (pos + length > this.size) throw new Error('unexpected end of file');
    const out = Buffer.alloc(length);
    await this.handle.read(out, 0, length, pos);
    return out;
  }
}

class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  async byteAt(pos: number): Promise<number> {
    if (pos >= this.buf.length) throw new Error('unexpected end of message');
    return this.buf[pos] as number;
  }
  async bytes(pos: number, length: number): Promise<Buffer> {
    if (pos + length > this.buf.length) throw new Error('unexpected end of message');
    return this.buf.subarray(pos, pos + length);
  }
}

type Field = { field: number; wire: 0; value: number } | { field: number; wire: 2; start: number; length: number } | { field: number; wire: 1 | 5 };

/** Walks the fields of one message in [start, end) of a source. */
async function* fields(src: ByteSource, start: number, end: number): AsyncGenerator<Field> {
  let pos = start;
  const varint = async (): Promise<number> => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = await src.byteAt(pos++);
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new Error('malformed varint');
  };
  while (pos < end) {
    const key = await varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) yield { field, wire, value: await varint() };
    else if (wire === 2) {
      const length = await varint();
      if (pos + length > end) throw new Error(`field ${field} runs past its message`);
      yield { field, wire, start: pos, length };
      pos += length;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      yield { field, wire };
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  if (pos !== end) throw new Error('a field runs past its message');
}

async function sub(src: ByteSource, f: { start: number; length: number }): Promise<BufferSource> {
  return new BufferSource(await src.bytes(f.start, f.length));
}

async function text(src: ByteSource, f: { start: number; length: number }): Promise<string> {
  return (await src.bytes(f.start, f.length)).toString('utf8');
}

async function dimension(src: BufferSource): Promise<number | string> {
  let dim: number | string = '';
  for await (const f of fields(src, 0, src.size)) {
    if (f.field === 1 && f.wire === 0) dim = f.value;
    else if (f.field === 2 && f.wire === 2) dim = await text(src, f);
  }
  return dim;
}

async function valueInfo(src: BufferSource): Promise<GraphValue> {
  const value: GraphValue = { name: '', dtype: 'non-tensor', shape: [] };
  for await (const f of fields(src, 0, src.size)) {
    if (f.field === 1 && f.wire === 2) value.name = await text(src, f);
    if (f.field !== 2 || f.wire !== 2) continue;
    const type = await sub(src, f);
    for await (const t of fields(type, 0, type.size)) {
      if (t.field !== 1 || t.wire !== 2) continue; // sequence, map, optional: not a tensor
      const tensor = await sub(type, t);
      value.dtype = 'float32';
      for await (const e of fields(tensor, 0, tensor.size)) {
        if (e.field === 1 && e.wire === 0) value.dtype = ELEM_TYPES[e.value] ?? `elem-type-${e.value}`;
        if (e.field === 2 && e.wire === 2) {
          const shape = await sub(tensor, e);
          for await (const d of fields(shape, 0, shape.size)) if (d.field === 1 && d.wire === 2) value.shape.push(await dimension(await sub(shape, d)));
        }
      }
    }
  }
  return value;
}

/** The initializer's name and its external data file, if any (TensorProto 8 name, 13 external_data; weights skipped). */
async function initializer(src: ByteSource, start: number, end: number): Promise<{ name: string; location: string | null }> {
  let name = '';
  let location: string | null = null;
  for await (const f of fields(src, start, end)) {
    if (f.field === 8 && f.wire === 2) name = await text(src, f);
    if (f.field !== 13 || f.wire !== 2) continue;
    const entry = await sub(src, f);
    let key = '';
    let value = '';
    for await (const e of fields(entry, 0, entry.size)) {
      if (e.field === 1 && e.wire === 2) key = await text(entry, e);
      if (e.field === 2 && e.wire === 2) value = await text(entry, e);
    }
    if (key === 'location') location = value;
  }
  return { name, location };
}

/** Reads the graph's inputs (initializers listed as inputs, as IR < 4 allows, left out) and outputs. */
export async function readGraphInfo(path: string): Promise<GraphInfo> {
  const handle = await open(path, 'r');
  try {
    const src = new FileSource(handle, (await handle.stat()).size);
    const info: GraphInfo = { irVersion: 0, opset: null, inputs: [], outputs: [], externalFiles: [] };
    const initializers = new Set<string>();
    const external = new Set<string>();
    let sawGraph = false;
    for await (const f of fields(src, 0, src.size)) {
      if (f.field === 1 && f.wire === 0) info.irVersion = f.value;
      else if (f.field === 8 && f.wire === 2) {
        const opset = await sub(src, f);
        let domain = '';
        let version: number | null = null;
        for await (const o of fields(opset, 0, opset.size)) {
          if (o.field === 1 && o.wire === 2) domain = await text(opset, o);
          if (o.field === 2 && o.wire === 0) version = o.value;
        }
        if (domain === '' || domain === 'ai.onnx') info.opset = version;
      } else if (f.field === 7 && f.wire === 2) {
        sawGraph = true;
        for await (const g of fields(src, f.start, f.start + f.length)) {
          if (g.wire !== 2) continue;
          if (g.field === 11) info.inputs.push(await valueInfo(await sub(src, g)));
          else if (g.field === 12) info.outputs.push(await valueInfo(await sub(src, g)));
          else if (g.field === 5) {
            const init = await initializer(src, g.start, g.start + g.length);
            initializers.add(init.name);
            if (init.location !== null) external.add(init.location);
          }
        }
      }
    }
    if (!sawGraph || info.irVersion === 0) throw new Error('no ONNX model graph found');
    info.inputs = info.inputs.filter((i) => !initializers.has(i.name));
    info.externalFiles = [...external];
    return info;
  } finally {
    await handle.close();
  }
}
