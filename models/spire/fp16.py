"""Convert an exported float32 model pack to float16 without CUDA, by rewriting the ONNX graphs.

    cd models && /usr/bin/python3 -m spire.fp16 --pack ../packs/tiny --out ../packs/tiny-fp16 [--force]

`spire.export --fp16` traces in half precision and so needs CUDA. This module takes the
float32 graphs instead and rewrites them with the `onnx` package:

  1. types: every float32 tensor's element type is read from ONNX shape inference;
  2. weights: float32 initializers and `Constant` / `ConstantOfShape` values become float16
     (finite values beyond +-65504 are clamped to it, e.g. the text encoder's -1e9 causal mask);
  3. graph inputs and outputs that are float32 become float16 (`input_ids` stays int64);
  4. `Cast(to=FLOAT)` becomes `Cast(to=FLOAT16)`;
  5. some nodes stay float32 and are wrapped in Casts (float16 -> float32 before, back after):
       * op types in `KEEP_FP32_OPS`: the ONNX spec gives `Range`, `Celu` and `IsInf` no
         float16 (onnxruntime's CPU provider needs no others; `--keep-op` adds more);
       * the sinusoidal timestep embedding (`Sin`/`Cos` and the chain from the timestep
         input feeding them): in float16, t * freq near t = 999 is only kept to 0.5, which
         turns sin/cos into noise; diffusers computes this embedding in float32 too;
  6. inputs the ONNX spec types as float32 whatever T is (Resize `roi`/`scales`) stay float32;
  7. value_info entries get the new types; the result passes `onnx.checker` (full check).

Pack level (`convert_pack`): each component graph is converted, tokenizer and scheduler
files are copied, and the manifest is rewritten with `dtype: float16` for every float tensor
and every component (read back from the converted graphs, so manifest and graphs agree).
Writes are atomic (temp file + rename); a non-empty `--out` is refused without `--force`.
"""
import argparse
import copy
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import pack
from .atomic import atomic_path

FLOAT, HALF = TensorProto.FLOAT, TensorProto.FLOAT16
FP16_MAX = float(np.finfo(np.float16).max)  # 65504

# Op types kept in float32 (wrapped in Casts): those whose ONNX type constraints (opset 17)
# allow float but not float16. onnxruntime's CPU provider needs nothing more: every other op
# we tried (models/README.md, "float16 packs") loads and runs with float16 tensors, because
# onnxruntime itself wraps CPU kernels that lack a float16 version in Casts to float32.
KEEP_FP32_OPS: frozenset = frozenset({"Range", "Celu", "IsInf"})

# (op_type, input index) that ONNX types as tensor(float) whatever the data type T is.
FP32_INPUT_SLOTS = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}
# (op_type, output index) that stay float32 whatever T is (LayerNormalization's Mean, InvStdDev).
FP32_OUTPUT_SLOTS = {("LayerNormalization", 1), ("LayerNormalization", 2)}
# Ops whose float inputs may be of any type (no Cast is inserted in front of them).
ANY_INPUT_OPS = {"Shape", "Size", "Cast"}
# Ops whose float output type is set by an attribute, not by their inputs.
ATTRIBUTE_TYPED_OPS = {"Cast", "Constant", "ConstantOfShape"}
# Walking back from Sin/Cos, these ops are part of the timestep embedding chain.
SINUSOID_CHAIN_OPS = {"Cast", "Unsqueeze", "Squeeze", "Reshape", "Mul", "Div", "Add", "Sub", "Exp", "Neg", "Expand", "Gather", "Slice"}
SINUSOID_MAX_DEPTH = 8


@dataclass
class ConversionReport:
    """What a conversion did, for the log and the tests."""
    initializers: int = 0
    constants: int = 0
    casts_retargeted: int = 0
    casts_inserted: int = 0
    clamped: int = 0  # finite values beyond +-65504
    flushed: int = 0  # nonzero values that became zero (below float16's smallest subnormal)
    kept_fp32: list = field(default_factory=list)  # node names kept in float32
    check_deferred: bool = False  # the graph is over protobuf's 2 GB: check it with check_saved once saved

    def summary(self) -> str:
        return (f"{self.initializers} initializers, {self.constants} constants, {self.casts_retargeted} Cast(to=FLOAT) retargeted, "
                f"{self.casts_inserted} Casts inserted, {len(self.kept_fp32)} nodes kept in float32, "
                f"{self.clamped} values clamped to +-65504, {self.flushed} tiny values flushed to 0")


def _to_half(array: np.ndarray, report: ConversionReport) -> np.ndarray:
    a = np.asarray(array, dtype=np.float32)
    finite = np.isfinite(a)
    report.clamped += int(np.count_nonzero(finite & (np.abs(a) > FP16_MAX)))
    h = np.where(finite, np.clip(a, -FP16_MAX, FP16_MAX), a).astype(np.float16)
    report.flushed += int(np.count_nonzero((a != 0) & (h == 0)))
    return h


def _half_tensor(t: TensorProto, report: ConversionReport) -> TensorProto:
    return numpy_helper.from_array(_to_half(numpy_helper.to_array(t), report), t.name)


# protobuf cannot serialise a message of 2 GiB or more, and onnx's in-memory shape inference and checker
# serialise the model: a graph above this size (Stable Diffusion 1.5's UNet is 3.4 GB in float32) is
# inferred on a copy without its large weights, and checked from its saved file (check_saved).
PROTOBUF_LIMIT = 2**31 - 1
LIGHT_KEEP_BYTES = 1 << 16  # initializers up to this size keep their data in the light copy (shape tensors)


def is_large(model: onnx.ModelProto) -> bool:
    return model.ByteSize() >= PROTOBUF_LIMIT


def _light_copy(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with initializers over LIGHT_KEEP_BYTES reduced to name, type and dims (no data): small enough to
    serialise for shape inference, which reads only the data of small constant inputs (Reshape shapes, Slice starts)."""
    light = onnx.ModelProto()
    light.ir_version = model.ir_version
    light.opset_import.extend(model.opset_import)
    g, lg = model.graph, light.graph
    lg.name = g.name
    lg.node.extend(g.node)
    lg.input.extend(g.input)
    lg.output.extend(g.output)
    lg.value_info.extend(g.value_info)
    for t in g.initializer:
        if t.ByteSize() <= LIGHT_KEEP_BYTES:
            lg.initializer.append(t)
        else:
            stub = lg.initializer.add()
            stub.name, stub.data_type = t.name, t.data_type
            stub.dims.extend(t.dims)
    return light


def check_saved(path) -> None:
    """onnx.checker's full check of a saved model (external data included): works for any size."""
    onnx.checker.check_model(str(path), full_check=True)


def _element_types(model: onnx.ModelProto) -> dict:
    """Element type of every tensor in the main graph (inputs, initializers, node outputs)."""
    g = onnx.shape_inference.infer_shapes(_light_copy(model) if is_large(model) else model).graph
    types = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.HasField("tensor_type"):
            types[vi.name] = vi.type.tensor_type.elem_type
    for t in g.initializer:
        types[t.name] = t.data_type
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    types[n.output[0]] = a.t.data_type
                elif a.name in ("value_float", "value_floats"):
                    types[n.output[0]] = FLOAT
        for out in n.output:
            if out and not types.get(out):
                raise ValueError(f"node {n.name or n.op_type}: ONNX shape inference gives no element type for '{out}'; "
                                 "re-export the graph with spire.export (opset 17) before converting it")
    return types


def _sinusoid_nodes(nodes, producer: dict, types: dict) -> set:
    """Sin/Cos nodes and the short chain of float ops feeding them (the timestep embedding)."""
    keep = set()
    stack = [(i, 0) for i, n in enumerate(nodes) if n.op_type in ("Sin", "Cos")]
    while stack:
        i, depth = stack.pop()
        if i in keep:
            continue
        keep.add(i)
        for inp in nodes[i].input:
            j = producer.get(inp)
            if j is None or types.get(inp) != FLOAT or depth >= SINUSOID_MAX_DEPTH:
                continue
            if nodes[j].op_type in SINUSOID_CHAIN_OPS:
                stack.append((j, depth + 1))
    return keep


def convert_model(model: onnx.ModelProto, keep_ops=KEEP_FP32_OPS, keep_sinusoid: bool = True,
                  report: ConversionReport | None = None) -> onnx.ModelProto:
    """Returns a float16 copy of a float32 ONNX model (see the module docstring for the rules)."""
    report = report if report is not None else ConversionReport()
    model = copy.deepcopy(model)
    g = model.graph
    for n in g.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in n.attribute):
            raise ValueError(f"node {n.name or n.op_type} has a subgraph ({n.op_type}); converting control flow is not supported")
    types = _element_types(model)
    nodes = list(g.node)
    producer = {out: i for i, n in enumerate(nodes) for out in n.output if out}
    consumers: dict = {}
    for i, n in enumerate(nodes):
        for k, inp in enumerate(n.input):
            if inp:
                consumers.setdefault(inp, []).append((i, k))
    graph_outputs = {o.name for o in g.output}

    keep = {i for i, n in enumerate(nodes) if n.op_type in keep_ops}
    if keep_sinusoid:
        keep |= _sinusoid_nodes(nodes, producer, types)
    report.kept_fp32 = [nodes[i].name or nodes[i].op_type for i in sorted(keep)]

    def required(i: int, k: int):
        """Element type node i wants on float input k (None: any)."""
        op = nodes[i].op_type
        if op in ANY_INPUT_OPS:
            return None
        if i in keep or (op, k) in FP32_INPUT_SLOTS:
            return FLOAT
        return HALF

    def wanted_by_consumers(name: str) -> int:
        """FLOAT when every consumer wants float32 (and it is no graph output), else HALF."""
        if name in graph_outputs:
            return HALF
        wants = [required(i, k) for i, k in consumers.get(name, [])]
        return FLOAT if wants and all(w == FLOAT for w in wants) else HALF

    # The element type every float tensor will have.
    new_type = {}
    for vi in g.input:
        if types.get(vi.name) == FLOAT:
            new_type[vi.name] = HALF
    for t in g.initializer:
        if t.data_type == FLOAT:
            new_type[t.name] = wanted_by_consumers(t.name)
    for i, n in enumerate(nodes):
        for k, out in enumerate(n.output):
            if not out or types.get(out) != FLOAT:
                continue
            if i in keep or (n.op_type, k) in FP32_OUTPUT_SLOTS:
                new_type[out] = FLOAT
            elif n.op_type in ATTRIBUTE_TYPED_OPS:
                new_type[out] = wanted_by_consumers(out)
            else:
                new_type[out] = HALF

    # Graph outputs must be float16: a float32 producer writes to "<name>__fp32" and a Cast right
    # after it gives <name> in float16 (which its other consumers read as before).
    renamed = {}
    for name in graph_outputs:
        if new_type.get(name) == FLOAT:
            renamed[name + "__fp32"] = name
            new_type[name + "__fp32"] = FLOAT
            new_type[name] = HALF
    for n in nodes:
        for k, out in enumerate(n.output):
            if out + "__fp32" in renamed:
                n.output[k] = out + "__fp32"

    # Initializers.
    inits = []
    for t in g.initializer:
        if t.data_type == FLOAT and new_type[t.name] == HALF:
            inits.append(_half_tensor(t, report))
            report.initializers += 1
        else:
            inits.append(t)
    del g.initializer[:]
    g.initializer.extend(inits)

    # Nodes, with Casts where a tensor's type differs from what its consumer wants.
    out_nodes = []
    casts = {}

    def cast(name: str, to: int) -> str:
        if (name, to) not in casts:
            target = f"{name}__{'fp16' if to == HALF else 'fp32'}"
            out_nodes.append(helper.make_node("Cast", [name], [target], name=f"{target}_cast", to=to))
            new_type[target] = to
            casts[(name, to)] = target
            report.casts_inserted += 1
        return casts[(name, to)]

    for i, n in enumerate(nodes):
        for k, inp in enumerate(n.input):
            if not inp or inp not in new_type:
                continue
            want = required(i, k)
            if want is not None and new_type[inp] != want:
                n.input[k] = cast(inp, want)
        out = n.output[0] if n.output else ""
        if n.op_type == "Cast":
            to = next(a for a in n.attribute if a.name == "to")
            if to.i == FLOAT and new_type.get(out) == HALF:
                to.i = HALF
                report.casts_retargeted += 1
        elif n.op_type in ("Constant", "ConstantOfShape") and new_type.get(out) == HALF:
            _constant_to_half(n, report)
        out_nodes.append(n)
        for inner in n.output:
            if inner in renamed:
                out_nodes.append(helper.make_node("Cast", [inner], [renamed[inner]], name=f"{renamed[inner]}_cast", to=HALF))
                report.casts_inserted += 1
    del g.node[:]
    g.node.extend(out_nodes)

    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.name in new_type and vi.type.HasField("tensor_type"):
            vi.type.tensor_type.elem_type = new_type[vi.name]
    kept = [vi for vi in g.value_info if vi.name not in renamed.values()]  # now a Cast output; shape inference redoes it
    del g.value_info[:]
    g.value_info.extend(kept)
    if is_large(model):
        report.check_deferred = True  # too large for the in-memory checker: the caller saves it and calls check_saved
    else:
        onnx.checker.check_model(model, full_check=True)
    return model


def _constant_to_half(n: onnx.NodeProto, report: ConversionReport) -> None:
    for a in n.attribute:
        if a.name == "value" and a.t.data_type == FLOAT:
            a.t.CopyFrom(_half_tensor(a.t, report))
            report.constants += 1
        elif a.name in ("value_float", "value_floats"):
            values = [a.f] if a.name == "value_float" else list(a.floats)
            t = numpy_helper.from_array(_to_half(np.array(values, dtype=np.float32), report))
            if a.name == "value_float":
                t.ClearField("dims")
            n.attribute.remove(a)
            n.attribute.append(helper.make_attribute("value", t))
            report.constants += 1
            return


ONNX_DTYPES = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64", TensorProto.INT32: "int32"}


def graph_io_dtypes(model: onnx.ModelProto) -> dict:
    """{name: manifest dtype} of a graph's inputs and outputs."""
    return {vi.name: ONNX_DTYPES.get(vi.type.tensor_type.elem_type, str(vi.type.tensor_type.elem_type))
            for vi in list(model.graph.input) + list(model.graph.output)}


def _save_atomic(model: onnx.ModelProto, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        onnx.save_model(model, tmp)


def _copy_atomic(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def convert_pack(src, out, force: bool = False, keep_ops=KEEP_FP32_OPS, log=print) -> dict:
    """Writes the float16 pack of the float32 pack `src` to `out`; returns the new manifest."""
    src, out = Path(src), Path(out)
    manifest_path = src / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path} not found: --pack must be a pack folder written by spire.export")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != pack.FORMAT or manifest.get("formatVersion") != pack.FORMAT_VERSION:
        raise ValueError(f"{manifest_path}: not a {pack.FORMAT} formatVersion {pack.FORMAT_VERSION} manifest")
    if out.resolve() == src.resolve():
        raise ValueError("--out must differ from --pack: the float32 pack is the source and is never overwritten")
    for name, comp in manifest["components"].items():
        if comp.get("dtype", "float32") != "float32":
            raise ValueError(f"{manifest_path}: component {name} is already {comp['dtype']}; convert a float32 pack")
        if comp.get("externalData"):
            raise ValueError(f"{manifest_path}: component {name} keeps its weights in external data; "
                             "halving a graph over 1.5 GB is not supported by spire.fp16 yet")
    pack.check_output_folder(out, force)

    new = copy.deepcopy(manifest)
    new["name"] = manifest["name"] + "-fp16"
    new["producer"] = {"tool": "spire.fp16", "onnx": onnx.__version__, "source": manifest.get("producer", {})}
    for name, comp in manifest["components"].items():
        report = ConversionReport()
        half = convert_model(onnx.load(str(src / comp["file"])), keep_ops=keep_ops, report=report)
        _save_atomic(half, out / comp["file"])
        io = graph_io_dtypes(half)
        entry = new["components"][name]
        entry["dtype"] = "float16"
        for v in entry["inputs"] + entry["outputs"]:
            if v["name"] not in io:
                raise ValueError(f"{comp['file']}: the graph has no input or output '{v['name']}' that the manifest lists")
            if v["dtype"] == "float32" and io[v["name"]] != "float16":
                raise ValueError(f"{comp['file']}: '{v['name']}' is {io[v['name']]} after conversion, expected float16")
            v["dtype"] = io[v["name"]]
        log(f"{name}: {report.summary()}")
    files = set(manifest["tokenizer"]["files"].values()) | {manifest["scheduler"]["file"]}
    for rel in sorted(files):
        _copy_atomic(src / rel, out / rel)
    pack.write_json(out / "manifest.json", new)
    return new


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pack", required=True, help="float32 pack folder (written by spire.export)")
    p.add_argument("--out", required=True, help="float16 pack folder to write")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out folder")
    p.add_argument("--keep-op", action="append", default=[], metavar="OP",
                   help="also keep this ONNX op type in float32 (repeatable), for a runtime without its float16 kernel")
    a = p.parse_args()
    try:
        manifest = convert_pack(a.pack, a.out, a.force, KEEP_FP32_OPS | set(a.keep_op))
    except (FileNotFoundError, FileExistsError, ValueError) as e:
        raise SystemExit(f"spire.fp16: {e}")
    print(f"wrote {a.out}: " + ", ".join(manifest["components"]))


if __name__ == "__main__":
    main()
