#!/usr/bin/env bash
# Short resumable CPU windows of two restorer architectures on the same recipe, with the one-view CBSD68
# sigma-25 PSNR after every window (tools/eval_denoise.py: evaluation only, never trained on).
#
#   cd models && bash tools/compare_restorers.sh init NAME '{"restorer options"}' [NAME '{...}' ...]
#   cd models && WINDOWS=4 SECONDS_PER_WINDOW=600 bash tools/compare_restorers.sh train NAME [NAME ...]
#
# init writes runs/cmp-NAME/: configs/compact.json with those restorer options and the comparison recipe
# (train.restorer_mixer "denoise": Gaussian noise only, sigma over the grammar's 0-0.12, the prompt with its
# number half the time; MSE; batch 16 of 64 px crops; constant lr 1e-3 so windows resume on the same schedule),
# and the seeded text encoder every compact run shares (from runs/compact-shipped, spire.from_pack).
# train runs the named runs side by side, one CPU thread each at nice 19 (the machine is shared), for WINDOWS
# windows of SECONDS_PER_WINDOW, each resuming the last, then evaluates every run on CBSD68 (EVAL_LIMIT images,
# 0 = all 68) and appends {run, step, psnr} to runs/cmp-curve.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SPIRE_PYTHON:-/usr/bin/python3}
SHIPPED=${SHIPPED:-runs/compact-shipped}
case "${1:-}" in
  init)
    shift
    [ -f "$SHIPPED/text_encoder.pt" ] || "$PY" -m spire.from_pack --pack packs/spire-compact --config configs/compact.json \
      --out "$SHIPPED" --parts restorer --seeded text_encoder
    while [ $# -ge 2 ]; do
      run=runs/cmp-$1
      mkdir -p "$run"
      "$PY" - "$2" "$run/config.json" <<'PYEOF'
import json, sys
c = json.load(open("configs/compact.json"))
c["restorer"].update(json.loads(sys.argv[1]))
t = c["train"]
t["restorer_mixer"], t["restorer_loss"], t["lr_schedule"] = "denoise", "mse", "constant"
t["lr"]["restorer"], t["steps"]["restorer"], t["batch"]["restorer"], t["crop"]["restorer"] = 1e-3, 1000000, 16, 64
t["log_every"], t["ckpt_every"] = 25, 100
json.dump(c, open(sys.argv[2], "w"), indent=2)
PYEOF
      cp "$SHIPPED/text_encoder.pt" "$run/"
      shift 2
    done
    ;;
  train)
    shift
    for w in $(seq 1 "${WINDOWS:-1}"); do
      pids=()
      for name in "$@"; do
        run=runs/cmp-$name
        nice -n 19 "$PY" -m spire.train --config "$run/config.json" --stage restorer --out "$run" --threads 1 \
          --seconds "${SECONDS_PER_WINDOW:-600}" --resume >> "$run.stdout" 2>&1 &
        pids+=($!)
      done
      for p in "${pids[@]}"; do wait "$p"; done
      for name in "$@"; do
        run=runs/cmp-$name
        step=$("$PY" -c 'import sys, torch; print(torch.load(sys.argv[1])["step"])' "$run/state_restorer.pt")
        nice -n 19 "$PY" tools/eval_denoise.py "$run" --limit "${EVAL_LIMIT:-0}" | \
          "$PY" -c 'import json, sys; r = json.loads(sys.stdin.read()); r["step"] = int(sys.argv[1]); print(json.dumps(r))' "$step" \
          | tee -a runs/cmp-curve.jsonl
      done
    done
    ;;
  *)
    echo "usage: bash tools/compare_restorers.sh init NAME OPTIONS_JSON ... | train NAME ..." >&2
    exit 2
    ;;
esac
