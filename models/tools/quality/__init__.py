"""The quality benchmark (`npm run bench:quality`): cases, classical baselines, metrics, report.

    metrics.py    PSNR / SSIM and the controllability measures (the ONE place metrics live)
    cases.py      test images, the degradation families, classical baselines, cases.json
    report.py     scoring the engine's outputs: tables, target checks, sheet, controllability

Driven by models/tools/quality_bench.py (prepare / score) and scripts/bench/quality.mjs.
"""
