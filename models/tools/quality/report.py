"""Scoring of a quality-benchmark run: metrics of every output, tables, target checks,
the visual sheet and the controllability measures.

Reads <run>/cases.json (models/tools/quality/cases.py) and <run>/engine.json
(scripts/bench/qualityCase.ts); writes <run>/results.json, <run>/report.md, <run>/sheet.png
and <run>/controllability/*.png.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from statistics import mean
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from spire.atomic import atomic_path, write_text_atomic
from spire.imageio import load_rgb

from . import metrics as M
from .cases import AUTO_RANGES, CASES_FORMAT, FAMILIES, check_cases

RESULTS_FORMAT = "spire-quality-results"
ENGINE_FORMAT = "spire-quality-engine"

METRICS_TEXT = (
    "PSNR: RGB, peak 255, after the 8-bit round trip (every image is an 8-bit PNG), MSE over all pixels and channels. "
    "SSIM: on the BT.601 luminance Y (16-235), Gaussian window sigma 1.5, K1 0.01, K2 0.03, data range 255 "
    "(skimage.metrics.structural_similarity). Border: the families that downsample crop their scale from every side "
    "before both metrics (sr4 and blind 4 px, mixed 2 px); noise, blur and jpeg crop nothing. "
    "Means are over images (PSNR averaged in dB)."
)

FALLBACK_ANCHORS = (
    "colour denoising on CBSD68 at sigma 25/255 (0.098 on a 0-1 scale): CBM3D about 30.7 dB, CDnCNN-B 31.23 dB, "
    "FFDNet about 31.2 dB PSNR; at sigma 50: CBM3D about 27.4 dB, CDnCNN-B 27.97 dB."
)


def published_anchors(datasets: Optional[Path]) -> str:
    """The 'Published anchors' paragraph of ../shared/datasets/README.md (a copy if it is unreadable)."""
    try:
        text = (datasets / "README.md").read_text(encoding="utf-8") if datasets else ""
    except OSError:
        text = ""
    m = re.search(r"Published anchors[^\n]*\n(.*?)(?:\n\s*\n|\Z)", text, flags=re.S)
    return " ".join(m.group(1).split()) if m else FALLBACK_ANCHORS


def fmt(x: Optional[float], digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "inf" if math.isinf(x) else f"{x:.{digits}f}"


def _mean(values: Sequence[float]) -> Optional[float]:
    v = [x for x in values if x is not None and math.isfinite(x)]
    return mean(v) if v else None


def load_run(run: Path) -> tuple:
    cases = json.loads((run / "cases.json").read_text(encoding="utf-8"))
    if cases.get("format") != CASES_FORMAT:
        raise ValueError(f"{run / 'cases.json'} is not a {CASES_FORMAT} file")
    check_cases(cases)
    engine_file = run / "engine.json"
    if not engine_file.exists():
        raise FileNotFoundError(f"{engine_file} is missing: run the engine first (scripts/bench/quality.mjs does)")
    engine = json.loads(engine_file.read_text(encoding="utf-8"))
    if engine.get("format") != ENGINE_FORMAT:
        raise ValueError(f"{engine_file} is not a {ENGINE_FORMAT} file")
    return cases, engine


def score_pair(out_path: Path, gt: np.ndarray, border: int) -> dict:
    out = load_rgb(out_path)
    if out.shape != gt.shape:
        raise ValueError(f"{out_path} is {out.shape[1]}x{out.shape[0]}; the ground truth is {gt.shape[1]}x{gt.shape[0]}")
    return {"psnr": M.psnr_rgb(out, gt, border), "ssim": M.ssim_y(out, gt, border)}


def beats(a: Sequence[dict], b: Sequence[dict]) -> Optional[bool]:
    """Paired: a beats b when its mean PSNR AND its mean SSIM are higher on the same images."""
    if not a:
        return None
    pa, pb = _mean([x["psnr"] for x in a]), _mean([x["psnr"] for x in b])
    if pa is None or pb is None:  # identical images (PSNR inf) only, e.g. an undegraded photo left as it is
        return None
    return pa > pb and mean(x["ssim"] for x in a) > mean(x["ssim"] for x in b)


def _minus(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return None if a is None or b is None else a - b


def score(run: Path, datasets: Optional[Path] = None, timings: Optional[Mapping] = None, log=lambda line: None) -> dict:
    cases, engine = load_run(run)
    settings = engine["settings"]
    ok_settings = [s["name"] for s in settings if s["status"] == "ok"]
    outputs: Dict[tuple, dict] = {(o["setting"], o["id"]): o for o in engine["outputs"]}

    # 1. Per-case metrics.
    per_case = []
    for c in cases["cases"]:
        gt = load_rgb(run / c["gt"])
        row = {k: c[k] for k in ("id", "family", "set", "image", "border", "generative")}
        row["input"] = score_pair(run / c["degraded"], gt, c["border"])
        row["classical"] = score_pair(run / c["classical"], gt, c["border"])
        row["pack"] = {}
        for s in ok_settings:
            o = outputs.get((s, c["id"]))
            if o:
                row["pack"][s] = {**score_pair(run / o["path"], gt, c["border"]), "seconds": o["seconds"]}
        per_case.append(row)
    log(f"scored {len(per_case)} cases")

    # 2. Per-family tables and target checks (pack rows paired with input / classical on the same images).
    families = {}
    for fam in cases["families"]:
        rows_f = [r for r in per_case if r["family"] == fam]
        table = [
            {"row": "degraded input", "n": len(rows_f), "psnr": _mean([r["input"]["psnr"] for r in rows_f]),
             "ssim": _mean([r["input"]["ssim"] for r in rows_f])},
            {"row": "classical", "n": len(rows_f), "psnr": _mean([r["classical"]["psnr"] for r in rows_f]),
             "ssim": _mean([r["classical"]["ssim"] for r in rows_f])},
        ]
        verdict_input: List[Optional[bool]] = []
        for s in ok_settings:
            have = [r for r in rows_f if s in r["pack"]]
            p = [r["pack"][s] for r in have]
            i = [r["input"] for r in have]
            k = [r["classical"] for r in have]
            b_in, b_cl = beats(p, i), beats(p, k)
            verdict_input.append(b_in)
            table.append({
                "row": f"pack {s}", "setting": s, "n": len(have),
                "psnr": _mean([x["psnr"] for x in p]), "ssim": _mean([x["ssim"] for x in p]),
                "dPsnrInput": None if not have else _minus(_mean([x["psnr"] for x in p]), _mean([x["psnr"] for x in i])),
                "dPsnrClassical": None if not have else _minus(_mean([x["psnr"] for x in p]), _mean([x["psnr"] for x in k])),
                "beatsInput": b_in, "beatsClassical": b_cl,
                "secondsMean": _mean([x["seconds"] for x in p]),
            })
        most = next((t for t in table[2:] if t["n"] > 0), None)
        families[fam] = {
            **cases["families"][fam],
            "table": table,
            "checks": {
                "beatsInputEverySetting": None if not verdict_input or None in verdict_input else all(verdict_input),
                "beatsClassicalMostFaithful": most["beatsClassical"] if most else None,
                "mostFaithfulSetting": most["setting"] if most else None,
            },
        }

    # 3. Per set, the most faithful setting (PSNR).
    most_faithful = ok_settings[0] if ok_settings else None
    per_set = []
    for fam in cases["families"]:
        for set_name in cases["sets"]:
            rows_fs = [r for r in per_case if r["family"] == fam and r["set"] == set_name]
            if not rows_fs:
                continue
            have = [r for r in rows_fs if most_faithful in r["pack"]]
            per_set.append({
                "family": fam, "set": set_name, "n": len(rows_fs),
                "input": _mean([r["input"]["psnr"] for r in rows_fs]), "classical": _mean([r["classical"]["psnr"] for r in rows_fs]),
                "pack": _mean([r["pack"][most_faithful]["psnr"] for r in have]) if have else None, "packN": len(have),
            })

    # 4. The auto prompt: the estimator's errors, the default run against the input and the true prompt.
    auto = score_auto(cases, per_case, outputs, ok_settings)
    if auto:
        log("scored the auto prompt")

    # 5. Controllability, 6. sheet.
    control = score_control(run, cases, engine)
    sheet = make_sheet(run, cases, per_case, ok_settings)

    results = {
        "format": RESULTS_FORMAT, "formatVersion": 1, "run": str(run),
        "pack": engine.get("pack"), "params": engine.get("params"), "settings": settings,
        "subset": {k: cases[k] for k in ("crop", "perSet", "genPerSet", "sets", "seed")},
        "metrics": METRICS_TEXT, "anchors": published_anchors(datasets),
        "families": families, "perSet": per_set, "perCase": per_case, "control": control, "auto": auto,
        "sheet": sheet, "timings": dict(timings or {}, engineS=engine.get("totalSeconds")), "engineErrors": engine.get("errors", []),
    }
    write_text_atomic(run / "results.json", json.dumps(results, indent=1, allow_nan=True) + "\n")
    report = render_report(results)
    write_text_atomic(run / "report.md", report)
    return results


# ---------------------------------------------------------------------------------------
# The auto prompt
# ---------------------------------------------------------------------------------------
# Targets of the auto prompt (the estimator's mean absolute errors in grammar units, the default run's rates).
AUTO_TARGETS = {"blur": 0.3, "noise": 0.01, "jpeg": 8.0, "beatsInputRate": 0.95, "vsOracleDb": -0.5, "cleanPsnr": 40.0,
                "estimatorShare": 0.10}


def _psnr_of_mean_mse(psnrs: Sequence[float]) -> Optional[float]:
    """PSNR of a set from its mean MSE (an identical image, PSNR inf, is MSE 0: it counts, it does not vanish)."""
    if not psnrs:
        return None
    mse = mean(0.0 if math.isinf(p) else 255.0 ** 2 / 10 ** (p / 10) for p in psnrs)
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def score_auto(cases: Mapping, per_case: Sequence[dict], outputs: Mapping, ok_settings: Sequence[str]) -> Optional[dict]:
    """The auto families at the most faithful setting (the default run): (1) the estimator's detection accuracy
    and value errors against the drawn degradation (on the auto family's PNG inputs: pixels only; the JPEG
    file's quality separately), its time against the restorer's; (2) the default run (`auto`) against the
    degraded input and against the true prompt (auto-oracle), and the blind prompt beside it; (3) the
    undegraded photos (clean, clean-blind): how much the run changed them."""
    if not ok_settings:
        return None
    s0 = ok_settings[0]
    by_id = {r["id"]: r for r in per_case}
    fams = {c["family"] for c in cases["cases"]}
    if not fams & {"auto", "auto-oracle", "auto-blind", "clean", "clean-blind"}:
        return None
    res: dict = {"setting": s0, "ranges": {k: list(v) for k, v in AUTO_RANGES.items()}}

    # 1. The estimator.
    auto_cases = [c for c in cases["cases"] if c["family"] == "auto"]
    est_rows = []
    for c in auto_cases:
        o = outputs.get((s0, c["id"]))
        if o and o.get("estimate"):
            est_rows.append((c, o))
    if est_rows:
        ops = {}
        for key in AUTO_RANGES:
            counts = {"tp": 0, "tn": 0, "fp": 0, "fn": 0}
            errors = []
            for c, o in est_rows:
                op = next((x for x in o["estimate"]["operations"] if x["key"] == key), None)
                if op is None:
                    continue
                truth = c["params"]["stages"].get(key)
                counts[("t" if op["present"] == (truth is not None) else "f") + ("p" if op["present"] else "n")] += 1
                if truth is not None:
                    errors.append(abs(op["value"] - truth))
            n = sum(counts.values())
            mae = _mean(errors)
            ops[key] = {**counts, "n": n, "accuracy": (counts["tp"] + counts["tn"]) / n if n else None,
                        "mae": mae, "maxError": max(errors) if errors else None, "present": len(errors),
                        "target": AUTO_TARGETS[key], "pass": None if mae is None else mae <= AUTO_TARGETS[key]}
        file_rows = [(c, o) for c, o in est_rows if o.get("jpegQualityFromFile") is not None]
        file_errors = [abs(o["jpegQualityFromFile"] - c["params"]["stages"]["jpeg"]) for c, o in file_rows]
        est_ms = [o["estimate"]["ms"] for _, o in est_rows]
        rest_ms = [o["restorerMs"] for _, o in est_rows if o.get("restorerMs")]
        share = (mean(est_ms) / mean(rest_ms)) if rest_ms else None
        res["estimator"] = {
            "n": len(est_rows), "operations": ops,
            "jpegFromFile": {"n": len(file_errors), "mae": _mean(file_errors), "maxError": max(file_errors) if file_errors else None},
            "msMean": _mean(est_ms), "restorerMsMean": _mean(rest_ms) if rest_ms else None, "share": share,
            "sharePass": None if share is None else share < AUTO_TARGETS["estimatorShare"],
        }

    # 2. The default run against the input and the true prompt, on the images that were degraded.
    def pair(fam: str, c: Mapping) -> Optional[dict]:
        r = by_id.get(f"{fam}/{c['set']}/{c['image']}")
        return r["pack"].get(s0) if r else None

    runs = {}
    for fam in ("auto", "auto-blind", "auto-oracle"):
        rows = [c for c in cases["cases"] if c["family"] == fam]
        degraded = [c for c in rows if c["params"]["stages"] and by_id[c["id"]]["pack"].get(s0)]
        undegraded = [c for c in rows if not c["params"]["stages"] and by_id[c["id"]]["pack"].get(s0)]
        if not degraded:
            continue
        d_in = [by_id[c["id"]]["pack"][s0]["psnr"] - by_id[c["id"]]["input"]["psnr"] for c in degraded]
        vs_oracle = [by_id[c["id"]]["pack"][s0]["psnr"] - pair("auto-oracle", c)["psnr"] for c in degraded if pair("auto-oracle", c)]
        runs[fam] = {
            "n": len(degraded), "psnr": _mean([by_id[c["id"]]["pack"][s0]["psnr"] for c in degraded]),
            "input": _mean([by_id[c["id"]]["input"]["psnr"] for c in degraded]),
            "dInput": _mean(d_in), "beatsInput": sum(d > 0 for d in d_in), "beatsInputRate": sum(d > 0 for d in d_in) / len(d_in),
            "worst": min(d_in), "vsOracle": _mean(vs_oracle) if fam != "auto-oracle" and vs_oracle else None,
            "undegraded": {"n": len(undegraded), "psnr": [by_id[c["id"]]["pack"][s0]["psnr"] for c in undegraded]},
        }
    if runs:
        res["runs"] = runs
        a = runs.get("auto")
        if a:
            res["checks"] = {"beatsInputRate": a["beatsInputRate"] >= AUTO_TARGETS["beatsInputRate"],
                             "vsOracle": None if a["vsOracle"] is None else a["vsOracle"] >= AUTO_TARGETS["vsOracleDb"]}

    # 3. Undegraded photos.
    clean = {}
    for fam in ("clean", "clean-blind"):
        rows = [by_id[c["id"]] for c in cases["cases"] if c["family"] == fam and by_id[c["id"]]["pack"].get(s0)]
        if not rows:
            continue
        ps = [r["pack"][s0]["psnr"] for r in rows]
        estimates = [outputs.get((s0, r["id"]), {}).get("estimate") for r in rows]
        clean[fam] = {"n": len(rows), "psnrSet": _psnr_of_mean_mse(ps), "min": min(ps),
                      "atLeast40": sum(p >= AUTO_TARGETS["cleanPsnr"] for p in ps), "unchanged": sum(math.isinf(p) for p in ps),
                      "emptyEstimate": sum(1 for e in estimates if e and e["restorationPrompt"] == ""),
                      "pass": _psnr_of_mean_mse(ps) >= AUTO_TARGETS["cleanPsnr"]}
    if clean:
        res["clean"] = clean
    return res


def render_auto(a: Mapping) -> List[str]:
    """The report's section on the auto prompt."""
    rng = ", ".join(f"{k} {lo:g}-{hi:g}" for k, (lo, hi) in a["ranges"].items())
    L = ["## The auto prompt (the default run)", "",
         f"At `{a['setting']}`. Everyday degradations drawn per image ({rng}, each with probability 0.6), the engine given "
         "the PNG (pixels only); the estimator's values are in the grammar's units.", ""]
    e = a.get("estimator")
    if e:
        L += [f"### The estimator ({e['n']} images)", "",
              "| operation | detection accuracy | tp / tn / fp / fn | MAE of the value (images with it) | max error | target | |",
              "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
        for key, o in e["operations"].items():
            L.append(f"| {key} | {fmt(o['accuracy'], 3)} | {o['tp']} / {o['tn']} / {o['fp']} / {o['fn']} | {fmt(o['mae'], 4)} ({o['present']}) | "
                     f"{fmt(o['maxError'], 3)} | <= {o['target']:g} | {verdict(o['pass'])} |")
        f = e["jpegFromFile"]
        L += ["", f"JPEG quality from the file's quantisation tables (the same images as .jpg files, {f['n']}): MAE {fmt(f['mae'], 2)}, "
                  f"max error {fmt(f['maxError'], 0)}.",
              f"Time: estimate {fmt(e['msMean'], 1)} ms, restorer {fmt(e['restorerMsMean'], 1)} ms per image (means): "
              f"{fmt(None if e['share'] is None else 100 * e['share'], 1)} % of the restorer's time (target < 10 %): "
              f"**{verdict(e['sharePass'])}**.", ""]
    runs = a.get("runs")
    if runs:
        L += ["### The default run against the degraded input and the true prompt", "",
              "| prompt | degraded images | input PSNR | PSNR | - input | beats input | worst - input | - true prompt |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        names = {"auto": "`auto` (default)", "auto-oracle": "the true prompt", "auto-blind": "`Remove all degradation`"}
        for fam, r in runs.items():
            L.append(f"| {names[fam]} | {r['n']} | {fmt(r['input'])} | {fmt(r['psnr'])} | {fmt(r['dInput'])} | "
                     f"{r['beatsInput']} ({fmt(100 * r['beatsInputRate'], 1)} %) | {fmt(r['worst'])} | {fmt(r['vsOracle'])} |")
        und = runs.get("auto", {}).get("undegraded", {})
        if und.get("n"):
            L.append("")
            L.append(f"Draws with no degradation ({und['n']}): the default run's PSNR to the (clean) input: "
                     + ", ".join(fmt(p) for p in und["psnr"]) + ".")
        c = a.get("checks", {})
        L += ["", f"Checks: beats the input on >= 95 % of the degraded images **{verdict(c.get('beatsInputRate'))}**; "
                  f"within 0.5 dB of the true prompt on average **{verdict(c.get('vsOracle'))}**.", ""]
    clean = a.get("clean")
    if clean:
        L += ["### Undegraded photos", "", "| prompt | images | PSNR to the input (set, from the mean MSE) | min | >= 40 dB | unchanged | empty estimate | >= 40 dB |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for fam, r in clean.items():
            L.append(f"| {'`auto`' if fam == 'clean' else '`Remove all degradation`'} | {r['n']} | {fmt(r['psnrSet'])} | {fmt(r['min'])} | "
                     f"{r['atLeast40']} | {r['unchanged']} | {r['emptyEstimate']} | {verdict(r['pass'])} |")
        L.append("")
    return L


# ---------------------------------------------------------------------------------------
# Controllability
# ---------------------------------------------------------------------------------------
def score_control(run: Path, cases: Mapping, engine: Mapping) -> dict:
    by_setting: Dict[str, dict] = {}
    for o in engine.get("control", []):
        by_setting.setdefault(o["setting"], {})[o["id"]] = o
    items = {c["id"]: c for c in cases["control"]}
    if not items:
        return {}
    gt = load_rgb(run / next(iter(items.values()))["gt"])
    out = {}
    for setting, outs in by_setting.items():
        res: dict = {}
        # (a) Deblur sweep: high-frequency energy of (output - input) should rise with sigma.
        sweep = [items[i] for i in items if items[i]["group"] == "deblur_sweep" and i in outs]
        if sweep:
            inp = load_rgb(run / sweep[0]["input"])
            pts = []
            for c in sweep:
                o = load_rgb(run / outs[c["id"]]["path"])
                pts.append({"sigma": c["value"], "hfEnergy": M.residual_hf_energy(o, inp), "blurSigma": M.residual_blur_sigma(o, gt),
                            "psnr": M.psnr_rgb(o, gt)})
            hf = [p["hfEnergy"] for p in pts]
            res["deblurSweep"] = {
                "measure": "mean squared Laplacian of the luminance residual (output - input), x1e4 (should rise with sigma)",
                "points": pts, "monotonic": M.monotonic(hf, increasing=True), "spearman": M.spearman([p["sigma"] for p in pts], hf),
                "inputBlurSigma": M.residual_blur_sigma(inp, gt), "image": sweep[0]["image"],
            }
            res["deblurSweep"]["strip"] = control_strip(run, setting, "deblur_sweep", inp, [(f"sigma {p['sigma']:.1f}", run / outs[c["id"]]["path"]) for p, c in zip(pts, sweep)])
        # (b) Denoise sweep: the output's estimated noise should fall as the named sigma rises.
        sweep = [items[i] for i in items if items[i]["group"] == "denoise_sweep" and i in outs]
        if sweep:
            inp = load_rgb(run / sweep[0]["input"])
            pts = []
            for c in sweep:
                o = load_rgb(run / outs[c["id"]]["path"])
                pts.append({"sigma": c["value"], "noiseSigma": M.noise_sigma(o), "residualRms": M.residual_rms(o, inp), "psnr": M.psnr_rgb(o, gt)})
            ns = [p["noiseSigma"] for p in pts]
            res["denoiseSweep"] = {
                "measure": "estimated noise sigma of the output (skimage estimate_sigma, 0-1 scale; should fall as sigma rises); also RMS of (output - input)",
                "points": pts, "monotonic": M.monotonic(ns, increasing=False), "spearman": M.spearman([p["sigma"] for p in pts], ns),
                "residualMonotonic": M.monotonic([p["residualRms"] for p in pts], increasing=True),
                "inputNoiseSigma": M.noise_sigma(inp), "image": sweep[0]["image"],
            }
            res["denoiseSweep"]["strip"] = control_strip(run, setting, "denoise_sweep", inp, [(f"sigma {p['sigma']:.2f}", run / outs[c["id"]]["path"]) for p, c in zip(pts, sweep)])
        # (c) One operation named, the other degradation should stay.
        sep = [items[i] for i in items if items[i]["group"] == "separation" and i in outs]
        if sep:
            inp = load_rgb(run / sep[0]["input"])
            rows = {"input": {"prompt": "(degraded input)", "noiseSigma": M.noise_sigma(inp), "blurSigma": M.residual_blur_sigma(inp, gt), "psnr": M.psnr_rgb(inp, gt)}}
            for c in sep:
                o = load_rgb(run / outs[c["id"]]["path"])
                rows[c["value"]] = {"prompt": c["prompt"], "noiseSigma": M.noise_sigma(o), "blurSigma": M.residual_blur_sigma(o, gt), "psnr": M.psnr_rgb(o, gt)}
            checks = {}
            if "deblur_only" in rows:
                checks["deblurOnlyKeepsNoise"] = rows["deblur_only"]["noiseSigma"] >= 0.5 * rows["input"]["noiseSigma"]
            if "denoise_only" in rows:
                checks["denoiseOnlyKeepsBlur"] = rows["denoise_only"]["blurSigma"] >= 0.75 * rows["input"]["blurSigma"]
            if "both" in rows:
                checks["bothReduceNoiseAndBlur"] = (rows["both"]["noiseSigma"] < rows["input"]["noiseSigma"]) and (rows["both"]["blurSigma"] < rows["input"]["blurSigma"])
            res["separation"] = {
                "measures": "noise: skimage estimate_sigma (0-1); blur: Gaussian sigma that best fits output ~ blur(ground truth, s) on a 0..4 grid (noise-insensitive)",
                "rows": rows, "checks": checks, "image": sep[0]["image"],
                "checkRules": "deblur only keeps >= 50% of the input's noise; denoise only keeps >= 75% of the input's blur; both lower both",
            }
            res["separation"]["strip"] = control_strip(run, setting, "separation", inp, [(c["value"].replace("_", " "), run / outs[c["id"]]["path"]) for c in sep] + [("ground truth", run / sep[0]["gt"])])
        out[setting] = res
    return out


def _font(size: int):
    for name in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf", "Arial.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _save(img: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".png") as tmp:
        img.save(tmp, format="PNG")


def _center(img: Image.Image, size: int) -> Image.Image:
    w, h = img.size
    s = min(size, w, h)
    x, y = (w - s) // 2, (h - s) // 2
    return img.crop((x, y, x + s, y + s))


def control_strip(run: Path, setting: str, group: str, inp: np.ndarray, cells: Sequence[tuple], cell: int = 192) -> str:
    """input | output per value, each the centre cell x cell at 1:1, labelled; returns the path (relative)."""
    font = _font(13)
    images = [("input", Image.fromarray(M.to_uint8(inp)))] + [(label, Image.open(p).convert("RGB")) for label, p in cells]
    cell = min([cell] + [min(im.size) for _, im in images])
    sheet = Image.new("RGB", (len(images) * (cell + 4) + 4, cell + 28), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, im) in enumerate(images):
        x = 4 + i * (cell + 4)
        sheet.paste(_center(im, cell), (x, 24))
        draw.text((x + 2, 4), label, fill="black", font=font)
    rel = f"controllability/{group}-{slug(setting)}.png"
    _save(sheet, run / rel)
    return rel


def slug(setting: str) -> str:
    """Folder-safe name of a setting, as scripts/bench/qualityArgs.mjs settingSlug: `faithful s=0.25` -> `faithful-s0.25`."""
    return re.sub(r"[^a-z0-9.]+", "-", re.sub(r"\s*=\s*", "", setting.lower())).strip("-")


# ---------------------------------------------------------------------------------------
# Visual sheet
# ---------------------------------------------------------------------------------------
def make_sheet(run: Path, cases: Mapping, per_case: Sequence[dict], ok_settings: Sequence[str], per_family: int = 2, cell: int = 160) -> Optional[str]:
    """A dozen rows (two per family): degraded input | classical | pack (first two settings) | ground truth,
    each the centre cell x cell at 1:1, with PSNR under each cell."""
    shown = list(ok_settings[:2])
    by_id = {c["id"]: c for c in cases["cases"]}
    scores = {r["id"]: r for r in per_case}
    rows = []
    for fam in cases["families"]:
        picked = [c for c in cases["cases"] if c["family"] == fam and all(s in scores[c["id"]]["pack"] for s in shown)][:per_family]
        rows.extend(picked)
    if not rows:
        return None
    outs = {}
    for s in shown:
        outs[s] = {}
    engine = json.loads((run / "engine.json").read_text(encoding="utf-8"))
    for o in engine["outputs"]:
        if o["setting"] in outs:
            outs[o["setting"]][o["id"]] = o["path"]
    columns = ["degraded input", "classical"] + [f"pack {s}" for s in shown] + ["ground truth"]
    cell = min([cell] + [min(c["size"]) for c in rows])  # 1:1 crops; small images, a smaller cell
    col_w = max(cell, 140) + 4  # room for the labels
    row_h = max(cell + 36, 66)
    font, small = _font(14), _font(12)
    label_w, head_h = 150, 44  # two header lines: a long column name wraps instead of running into the next one
    sheet = Image.new("RGB", (label_w + len(columns) * col_w + 4, head_h + len(rows) * row_h + 4), "white")
    draw = ImageDraw.Draw(sheet)
    fits = lambda text: draw.textlength(text, font=font) <= col_w - 6
    for j, name in enumerate(columns):
        lines = [name] if fits(name) or " " not in name else name.split(" ", 1)
        for k, line in enumerate(lines):
            draw.text((label_w + 4 + j * col_w, 4 + 18 * k), line, fill="black", font=font if fits(line) else small)
    for i, c in enumerate(rows):
        y = head_h + i * row_h
        sc = scores[c["id"]]
        draw.text((6, y + 4), c["family"], fill="black", font=font)
        draw.text((6, y + 24), f"{c['set']}/{c['image']}", fill="black", font=small)
        draw.text((6, y + 42), f"border {c['border']}", fill="gray", font=small)
        paths = [by_id[c["id"]]["degraded"], by_id[c["id"]]["classical"]] + [outs[s][c["id"]] for s in shown] + [by_id[c["id"]]["gt"]]
        values = [sc["input"], sc["classical"]] + [sc["pack"][s] for s in shown] + [None]
        for j, (p, v) in enumerate(zip(paths, values)):
            x = label_w + 4 + j * col_w
            tile = _center(Image.open(run / p).convert("RGB"), cell)
            sheet.paste(tile, (x, y))
            if v:
                draw.text((x + 2, y + tile.size[1] + 2), f"{fmt(v['psnr'])} dB, SSIM {fmt(v['ssim'], 3)}", fill="black", font=small)
    _save(sheet, run / "sheet.png")
    return "sheet.png"


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
def verdict(x: Optional[bool]) -> str:
    return "n/a" if x is None else ("PASS" if x else "FAIL")


def render_report(r: Mapping) -> str:
    pack = r.get("pack") or {}
    params = r.get("params") or {}
    sub = r["subset"]
    t = r.get("timings") or {}
    L = [f"# SPIRE quality benchmark", ""]
    L.append(f"- pack: `{pack.get('dir')}` ({pack.get('name')}, restorer: {'yes' if pack.get('hasRestorer') else 'no'}, "
             f"native {pack.get('nativeResolution')} px, provider {pack.get('provider')}), through the TypeScript engine (restore())")
    L.append(f"- engine params: steps {params.get('steps')}, guidance {params.get('guidanceScale')}, seed {params.get('seed')}, "
             f"scheduler {params.get('scheduler')}, eta {params.get('eta')}, colour fix {params.get('colorFix')}, semantic prompt \"{params.get('semanticPrompt')}\"")
    L.append(f"- subset: per set `{sub['perSet']}` (first images in natural order), centre crop at most {sub['crop']} px "
             f"(0 = whole image; sides floored to a multiple of 8); generative settings (strength > 0) on the first {sub['genPerSet']} per set; "
             f"degradation seed {sub['seed']}")
    L.append("- settings: " + "; ".join(f"`{s['name']}` {s['status']}" + (f" ({s['reason']})" if s.get("reason") else "") for s in r["settings"]))
    if r.get("engineErrors"):
        errs = r["engineErrors"]
        L.append(f"- ENGINE ERRORS: {len(errs)} case(s) failed and are missing from the tables, e.g. {errs[0]['setting']} {errs[0]['id']}: {errs[0]['message']}")
    if t:
        L.append("- wall time: " + ", ".join(f"{k} {fmt(v, 0)} s" for k, v in t.items() if v is not None))
    L += ["", "## Metrics", "", r["metrics"], ""]
    L += ["## Results per family", ""]
    for fam, f in r["families"].items():
        L.append(f"### {fam}: the true prompt of each image" if fam == "auto-oracle" else f"### {fam}: `{f['prompt']}`")
        L.append("")
        L.append(f"Degradation: {f['degradation']}. Classical: {f['classical']}. Border {f['border']} px.")
        L.append("")
        L.append("| row | n | PSNR (dB) | SSIM (Y) | PSNR - input, same images | PSNR - classical, same images | beats input | beats classical | s/image |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
        for row in f["table"]:
            if "setting" in row:
                L.append(f"| {row['row']} | {row['n']} | {fmt(row['psnr'])} | {fmt(row['ssim'], 4)} | {fmt(row['dPsnrInput'])} | "
                         f"{fmt(row['dPsnrClassical'])} | {verdict(row['beatsInput'])} | {verdict(row['beatsClassical'])} | {fmt(row['secondsMean'], 1)} |")
            else:
                L.append(f"| {row['row']} | {row['n']} | {fmt(row['psnr'])} | {fmt(row['ssim'], 4)} | | | | | |")
        L.append("")
        if fam == "noise":
            L.append(f"Published anchors (shared/datasets/README.md), for orientation only: {r['anchors']} "
                     "Those are at sigma 25/255 = 0.098 on all of CBSD68; this row is sigma 0.05 (12.75/255) on crops: a different noise level, not comparable.")
            L.append("")
    if r.get("auto"):
        L += render_auto(r["auto"])
    L += ["## Target checks", "",
          "beats = higher mean PSNR AND higher mean SSIM than the other row on the same images.", "",
          "| family | pack beats input at every setting | pack beats classical at the most faithful setting | most faithful setting |",
          "| --- | --- | --- | --- |"]
    for fam, f in r["families"].items():
        c = f["checks"]
        L.append(f"| {fam} | {verdict(c['beatsInputEverySetting'])} | {verdict(c['beatsClassicalMostFaithful'])} | {c['mostFaithfulSetting'] or '-'} |")
    L.append("")
    if r["perSet"]:
        first = next((s["name"] for s in r["settings"] if s["status"] == "ok"), "-")
        L += [f"## PSNR per set (pack at `{first}`)", "", "| family | set | n | input | classical | pack (n) |", "| --- | --- | ---: | ---: | ---: | ---: |"]
        for p in r["perSet"]:
            L.append(f"| {p['family']} | {p['set']} | {p['n']} | {fmt(p['input'])} | {fmt(p['classical'])} | {fmt(p['pack'])} ({p['packN']}) |")
        L.append("")
    L += ["## Published anchors (for orientation)", "", r["anchors"], "",
          "These are NOT comparable to the noise row above: ours is sigma 0.05 (12.75/255) on crops of a subset, "
          "theirs sigma 25/255 (0.098) on the whole of CBSD68, a different noise level.", ""]
    L += ["## Controllability", ""]
    if not r["control"]:
        L.append("(no controllability outputs)")
    for setting, c in r["control"].items():
        L.append(f"### at `{setting}`")
        L.append("")
        if "deblurSweep" in c:
            d = c["deblurSweep"]
            L.append(f"(a) `Deblur with sigma s` on {d['image']} blurred with sigma 2.0 (fitted input blur {fmt(d['inputBlurSigma'])}). "
                     f"Measure: {d['measure']}. Monotonic: **{verdict(d['monotonic'])}**, Spearman {fmt(d['spearman'])}. Strip: `{d['strip']}`")
            L.append("")
            L.append("| s | HF energy | fitted blur sigma | PSNR |")
            L.append("| ---: | ---: | ---: | ---: |")
            for p in d["points"]:
                L.append(f"| {p['sigma']:.1f} | {fmt(p['hfEnergy'], 3)} | {fmt(p['blurSigma'])} | {fmt(p['psnr'])} |")
            L.append("")
        if "denoiseSweep" in c:
            d = c["denoiseSweep"]
            L.append(f"(b) `Denoise with sigma s` on {d['image']} with noise 0.05 (estimated input noise {fmt(d['inputNoiseSigma'], 4)}). "
                     f"Measure: {d['measure']}. Monotonic (noise falls): **{verdict(d['monotonic'])}**, Spearman {fmt(d['spearman'])}; "
                     f"RMS change rises: {verdict(d['residualMonotonic'])}. Strip: `{d['strip']}`")
            L.append("")
            L.append("| s | output noise sigma | RMS(output - input) | PSNR |")
            L.append("| ---: | ---: | ---: | ---: |")
            for p in d["points"]:
                L.append(f"| {p['sigma']:.2f} | {fmt(p['noiseSigma'], 4)} | {fmt(p['residualRms'], 4)} | {fmt(p['psnr'])} |")
            L.append("")
        if "separation" in c:
            d = c["separation"]
            L.append(f"(c) {d['image']} blurred (2.0) AND noisy (0.05). Measures: {d['measures']}. Strip: `{d['strip']}`")
            L.append("")
            L.append("| prompt | noise sigma | fitted blur sigma | PSNR |")
            L.append("| --- | ---: | ---: | ---: |")
            for key, row in d["rows"].items():
                L.append(f"| {row['prompt']} | {fmt(row['noiseSigma'], 4)} | {fmt(row['blurSigma'])} | {fmt(row['psnr'])} |")
            L.append("")
            L.append(f"Checks ({d['checkRules']}): " + ", ".join(f"{k} {verdict(v)}" for k, v in d["checks"].items()))
            L.append("")
    if r.get("sheet"):
        L += ["## Visual sheet", "", f"`{r['sheet']}`: two rows per family; each cell the centre 160 px at 1:1, PSNR / SSIM under it.", ""]
    return "\n".join(L) + "\n"
