"""Restorer architecture candidates side by side: parameters, multiply-accumulates and single-view time on a
512x512 image against today's restorer (configs/compact.json's), in one process.

    cd models && /usr/bin/python3 tools/restorer_candidates.py [--threads 2] [--repeats 5] [--onnx DIR] [--only NAME ...]

Times are torch CPU (eval, no_grad) medians over rounds that run every candidate once in turn, so a change in
the machine's load hits all of them alike; the ratio column divides by today's restorer in the same rounds.
--onnx DIR also exports each candidate with spire.export's names (opset 17) to DIR/<name>/model.onnx, for
tools/time_restorers.mjs (onnxruntime-node, the engine's runtime).
"""
import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from spire.config import SpireConfig, config_path  # noqa: E402
from spire.restorer import Restorer  # noqa: E402

# name -> restorer-section overrides of configs/compact.json (unshuffle 2, attention pool, degradation input)
CANDIDATES = {
    "today (film 48x4)": {},
    "film 64x4": {"channels": 64},
    "film 48x8": {"blocks": 8},
    "gated 64x8": {"block": "gated", "channels": 64, "blocks": 8},
    "gated 96x8 u4": {"block": "gated", "channels": 96, "blocks": 8, "unshuffle": 4},
    "gated U 32 L2 (2,4)": {"block": "gated", "channels": 32, "levels": 2, "level_blocks": 2, "blocks": 4},
    "gated U 48 L2 (2,4)": {"block": "gated", "channels": 48, "levels": 2, "level_blocks": 2, "blocks": 4},
    "gated U 32 L3 (1,4)": {"block": "gated", "channels": 32, "levels": 3, "level_blocks": 1, "blocks": 4},
    "gated U 32 L3 (2,4)": {"block": "gated", "channels": 32, "levels": 3, "level_blocks": 2, "blocks": 4},
    "gated U 48 L3 (1,4)": {"block": "gated", "channels": 48, "levels": 3, "level_blocks": 1, "blocks": 4},
    "gated U 32 L2 (2,8)": {"block": "gated", "channels": 32, "levels": 2, "level_blocks": 2, "blocks": 8},
    "film U 48 L2 (1,2)": {"channels": 48, "levels": 2, "level_blocks": 1, "blocks": 2},
    "film U 48 L2 (2,4)": {"channels": 48, "levels": 2, "level_blocks": 2, "blocks": 4},
    "film U 64 L2 (1,2)": {"channels": 64, "levels": 2, "level_blocks": 1, "blocks": 2},
}


def candidate_config(overrides: dict) -> SpireConfig:
    cfg = SpireConfig.load(config_path("compact"))
    for k, v in overrides.items():
        if not hasattr(cfg.restorer, k):
            raise SystemExit(f"restorer has no option {k!r}")
        setattr(cfg.restorer, k, v)
    return cfg


def count_macs(model: nn.Module, inputs) -> int:
    """Multiply-accumulates of the convs and linears (what dominates; elementwise ops not counted)."""
    total = [0]

    def conv(m, i, o):
        total[0] += o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear(m, i, o):
        total[0] += o.numel() * m.in_features

    hooks = [m.register_forward_hook(conv if isinstance(m, nn.Conv2d) else linear)
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(*inputs)
    for h in hooks:
        h.remove()
    return total[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5, help="timing rounds (every candidate once per round)")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--onnx", help="also export each candidate's ONNX graph under this folder")
    ap.add_argument("--only", nargs="*", help="candidate names (default: all)")
    ap.add_argument("--json", help="write the rows as JSON here too")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    names = a.only or list(CANDIDATES)
    models, inputs = {}, {}
    for name in names:
        cfg = candidate_config(CANDIDATES[name])
        torch.manual_seed(0)
        r = Restorer(cfg).eval()
        with torch.no_grad():  # trained-like weights: nothing zero, so no op is skipped or trivially cheap
            for p in r.parameters():
                p.add_(torch.randn_like(p) * 0.02)
        x = torch.rand(1, 3, a.size, a.size) * 2 - 1
        e = torch.randn(1, cfg.text_encoder.max_length, cfg.context_dim)
        models[name], inputs[name] = r, (x, e, r.degradation_of(["Denoise with sigma 0.1;"], "cpu"))
        if a.onnx:
            from spire.export import component_specs, example_inputs, export_onnx

            ins, outs = component_specs(cfg, "float32")["restorer"]
            ex = example_inputs(ins, 1, 64, 64, cfg.text_encoder.vocab_size, "cpu", torch.float32)
            path = Path(a.onnx) / name.replace(" ", "_").replace("(", "").replace(")", "").replace(",", "-") / "model.onnx"
            with torch.no_grad():
                export_onnx(r, ex, ins, outs, path)
            (path.parent / "candidate.json").write_text(json.dumps({"name": name, "restorer": cfg.to_dict()["restorer"]}))
    times = {n: [] for n in names}
    with torch.no_grad():
        for n in names:  # warm-up
            models[n](*inputs[n])
        for _ in range(a.repeats):
            for n in names:
                t0 = time.perf_counter()
                models[n](*inputs[n])
                times[n].append(time.perf_counter() - t0)
    base = names[0]
    rows = []
    for n in names:
        ratios = [t / b for t, b in zip(times[n], times[base])]
        rows.append({"name": n, "options": CANDIDATES[n], "params": sum(p.numel() for p in models[n].parameters()),
                     "gmacs": count_macs(models[n], inputs[n]) / 1e9, "median_s": statistics.median(times[n]),
                     "ratio": statistics.median(ratios)})
    print(f"| candidate | restorer options | parameters | GMAC ({a.size}x{a.size}) | torch CPU {a.threads} threads, "
          f"median of {a.repeats} (s) | / {base} (median of per-round ratios) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        opts = ", ".join(f"{k} {v}" for k, v in r["options"].items()) or "configs/compact.json"
        print(f"| {r['name']} | {opts} | {r['params']:,} | {r['gmacs']:.1f} | {r['median_s']:.3f} | {r['ratio']:.2f} |")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
