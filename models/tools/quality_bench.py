"""Python side of `npm run bench:quality` (scripts/bench/quality.mjs drives it).

    /usr/bin/python3 models/tools/quality_bench.py prepare --out <run> [--per-set 4,Set5=5] [--gen-per-set 2] [--crop 256]
    /usr/bin/python3 models/tools/quality_bench.py score --run <run> [--timings '{"prepareS": 12}']

prepare   picks the images, degrades them (the project's degradations, fixed seeds), computes the
          classical baselines and writes PNGs + cases.json (models/tools/quality/cases.py)
score     reads the engine's outputs (engine.json), computes every metric, writes results.json,
          report.md, sheet.png and controllability/*.png, and prints report.md
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
MODELS = TOOLS.parent
sys.path.insert(0, str(MODELS))  # spire
sys.path.insert(0, str(TOOLS))  # quality

from quality import cases as C  # noqa: E402
from quality import report as R  # noqa: E402

DEFAULT_DATASETS = MODELS.parents[1] / "shared" / "datasets"


def log(line: str) -> None:
    print(f"quality: {line}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="degrade the test images, classical baselines, cases.json")
    p.add_argument("--out", required=True, type=Path, help="run folder (created)")
    p.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS, help="the shared datasets folder (default ../shared/datasets)")
    p.add_argument("--sets", default=",".join(C.SETS), help=f"comma-separated sets (default {','.join(C.SETS)})")
    p.add_argument("--families", default=",".join(C.FAMILY_ORDER), help=f"comma-separated families (default {','.join(C.FAMILY_ORDER)})")
    p.add_argument("--per-set", default="4,Set5=5", help="images per set: N, 'all', and SET=N overrides (default 4,Set5=5)")
    p.add_argument("--auto-per-set", default="all", help="images per set of the auto families (default all)")
    p.add_argument("--gen-per-set", type=int, default=2, help="of those, how many also run at the generative settings (default 2)")
    p.add_argument("--crop", type=int, default=256, help="centre crop of at most N x N ground-truth pixels; 0 = whole image (default 256)")
    p.add_argument("--control-image", default="Kodak24/kodim01", help="SET/NAME of the controllability image (default Kodak24/kodim01)")
    s = sub.add_parser("score", help="metrics, tables, sheet and controllability of a finished run")
    s.add_argument("--run", required=True, type=Path)
    s.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    s.add_argument("--timings", default="{}", help="JSON object of wall times to record (seconds)")
    a = ap.parse_args(argv)

    try:
        if a.command == "prepare":
            if (a.out / "cases.json").exists():
                raise FileExistsError(f"{a.out / 'cases.json'} exists; choose a new run folder")
            if a.crop < 0 or a.gen_per_set < 0:
                raise ValueError("--crop and --gen-per-set must be >= 0")
            start = time.perf_counter()
            doc = C.prepare(
                a.out, a.datasets, sets=[x for x in a.sets.split(",") if x], families=[x for x in a.families.split(",") if x],
                per_set=a.per_set, gen_per_set=a.gen_per_set, crop=a.crop, control_image=a.control_image,
                auto_per_set=a.auto_per_set, log=log,
            )
            log(f"{len(doc['cases'])} cases + {len(doc['control'])} controllability cases in {time.perf_counter() - start:.1f} s -> {a.out / 'cases.json'}")
        else:
            results = R.score(a.run, a.datasets, json.loads(a.timings), log=log)
            sys.stdout.write((a.run / "report.md").read_text(encoding="utf-8"))
            log(f"wrote {a.run / 'results.json'}, {a.run / 'report.md'}" + (f", {a.run / results['sheet']}" if results.get("sheet") else ""))
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        log(f"error: {err}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
