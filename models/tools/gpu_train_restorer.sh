#!/usr/bin/env bash
# A one-view restorer for the compact pack, trained from scratch on the device machine in one prepared run
# (about 8 minutes: fits one call of at most ~9 minutes of GPU time), then fine-tuned for the auto prompt.
#
#   bash models/tools/gpu_train_restorer.sh DATA INIT OUT
#     DATA  a datasets root holding the training splits (the layout of ../shared/datasets; T91 as PNG so the
#           upload stays under 64 MiB, as for tools/gpu_train.sh)
#     INIT  a folder with the frozen, seeded text_encoder.pt every compact run shares and, for DISTILL > 0,
#           teacher_restorer.pt (today's restorer: runs/compact-shipped/restorer.pt from spire.from_pack);
#           an estimator.pt there is used as is, else the estimator is retrained here (from_pack cannot read
#           the shipped one back: its BatchNorm is folded into the convolutions)
#     OUT   results: restorer.pt (after phase B), restorer-scratch.pt (after phase A), estimator.pt, the run
#           configs and logs.tgz (log.jsonl and stdout of each run)
#
# Phase A (runs/gpu-r2): the candidate restorer (configs/compact.json's restorer with the RESTORER options) from
#   scratch on the all-in-one mixer (train.restorer_mixer "spire": Real-ESRGAN with the blind prompt, or the
#   parameterized blur / downsample / noise / JPEG pipeline with its prompt), MSE, batch 64 of 128 px crops
#   (the U-shaped candidates see 32 x 32 at their bottom level), peak lr 1e-3 cosine to 0.1x over SECONDS_A
#   (--seconds: the schedule follows the clock). DISTILL = w > 0 adds today's restorer's 8-view self-ensemble
#   as a second target (train.restorer_distill, teacher options train.restorer_teacher = today's restorer).
#   Beside it, runs/gpu-est trains the estimator for SECONDS_EST when INIT has none (batch 32, 128 px).
# Phase B (runs/gpu-r2-auto): phase A's restorer fine-tuned as the shipped one's phase 5 was: train.restorer_mixer
#   "auto" (auto_samples: Real-ESRGAN 0.25, everyday 0.4, SPIRE Table 2 0.35; the blind prompt with the estimator's
#   numbers 0.3, the estimator's own prompt 0.3, the true prompt 0.4), peak lr 2e-4 cosine, seed 3, SECONDS_B.
#
# DEVICE=cpu with a few seconds per stage checks the script on a machine without a GPU:
#   DEVICE=cpu SECONDS_A=20 SECONDS_EST=10 SECONDS_B=15 A_WORKERS=1 B_WORKERS=1 EST_WORKERS=1 SLACK=900 DISTILL=0.3 \
#     bash tools/gpu_train_restorer.sh ../../shared/datasets runs/r2-init /tmp/r2-out
# (runs/r2-init: runs/compact-shipped's text_encoder.pt, and its restorer.pt as teacher_restorer.pt; SLACK: seconds a
# stage may overrun before it is killed, 60 on the GPU; on a busy CPU one batch of 64 takes minutes to build)
# Then, on the development machine (the pack's other graphs stay byte for byte):
#   mkdir -p runs/gpu-r2-auto && cp OUT/restorer.pt OUT/estimator.pt runs/compact-shipped/text_encoder.pt runs/gpu-r2-auto/
#   cp OUT/r2-auto-config.json runs/gpu-r2-auto/config.json
#   /usr/bin/python3 tools/eval_denoise.py runs/compact-shipped runs/gpu-r2-auto        # CBSD68 sigma 25, one view
#   /usr/bin/python3 -m spire.export --run runs/gpu-r2-auto --out packs/spire-compact --update restorer estimator
#   npm run bench:quality; npm run bench (old pack vs new, side by side); the model card's table
set -uo pipefail
DATA=$(realpath "$1") INIT=$(realpath "$2") OUT=$(realpath -m "$3")
cd "$(dirname "$0")/.."
PY=${SPIRE_PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
# gated U 32 L3 (1,4): 1.05x today's one-view time in onnxruntime-node (docs/restorer-candidates.md), the best
# one-view CBSD68 PSNR of the CPU windows there
RESTORER=${RESTORER:-'{"block": "gated", "channels": 32, "levels": 3, "level_blocks": 1, "blocks": 4}'}
DISTILL=${DISTILL:-0}
SECONDS_A=${SECONDS_A:-330}
SECONDS_EST=${SECONDS_EST:-120}
SECONDS_B=${SECONDS_B:-120}
A_WORKERS=${A_WORKERS:-8}
EST_WORKERS=${EST_WORKERS:-4}
B_WORKERS=${B_WORKERS:-12}
export SPIRE_DATASETS=$DATA PYTHONUNBUFFERED=1
mkdir -p "$OUT" runs
rm -rf runs/gpu-r2 runs/gpu-r2-auto runs/gpu-est runs/gpu-r2.stdout runs/gpu-r2-auto.stdout runs/gpu-est.stdout
mkdir -p runs/gpu-r2 runs/gpu-r2-auto runs/gpu-est

"$PY" - "$DEVICE" "$RESTORER" "$DISTILL" <<'PYEOF' || exit 1
import json, sys, torch
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
if sys.argv[1].startswith("cuda") and not torch.cuda.is_available():
    raise SystemExit("no CUDA device")
from dataclasses import asdict
from spire.config import RestorerConfig
cfg = json.load(open("configs/compact.json"))
today = {**asdict(RestorerConfig()), **cfg["restorer"]}  # every option spelled out: the teacher is today's restorer
cfg["restorer"].update(json.loads(sys.argv[2]))
t = cfg["train"]
t["batch"] = {"restorer": 64, "estimator": 32}
t["crop"] = {"restorer": 128}
t["steps"] = {"restorer": 1000000, "estimator": 1000000}  # --seconds ends each stage
t["lr"]["restorer"], t["restorer_loss"], t["lr_schedule"] = 1e-3, "mse", "cosine"
t["restorer_distill"], t["restorer_teacher"] = float(sys.argv[3]), today
t["log_every"], t["ckpt_every"] = 100, 500
json.dump(cfg, open("runs/gpu-r2.config.json", "w"), indent=2)
json.dump(cfg, open("runs/gpu-est.config.json", "w"), indent=2)
t["restorer_mixer"] = "auto"
t["auto_mix"] = {"p_realesrgan": 0.25, "p_everyday": 0.4, "p_blind": 0.3, "p_auto": 0.3}  # the shipped phase 5's
t["lr"]["restorer"], t["restorer_distill"] = 2e-4, 0.0
t["crop"]["restorer"] = 64  # the auto mixer degrades and estimates at the estimator's 128 px patch, then crops
json.dump(cfg, open("runs/gpu-r2-auto.config.json", "w"), indent=2)
print("restorer", json.dumps(cfg["restorer"]), "distill", sys.argv[3])
PYEOF
cp "$INIT/text_encoder.pt" runs/gpu-r2/
cp "$INIT/text_encoder.pt" runs/gpu-r2-auto/
if [ "$DISTILL" != 0 ]; then cp "$INIT/teacher_restorer.pt" runs/gpu-r2/ || exit 1; fi

package() {
  cp runs/gpu-r2-auto/restorer.pt "$OUT/restorer.pt" 2>/dev/null
  cp runs/gpu-r2/restorer.pt "$OUT/restorer-scratch.pt" 2>/dev/null
  cp runs/gpu-r2-auto/estimator.pt "$OUT/estimator.pt" 2>/dev/null
  cp runs/gpu-r2.config.json "$OUT/r2-config.json"; cp runs/gpu-r2-auto.config.json "$OUT/r2-auto-config.json"
  tar czf "$OUT/logs.tgz" runs/gpu-r2/log.jsonl runs/gpu-r2-auto/log.jsonl runs/gpu-est/log.jsonl runs/gpu-*.stdout \
    runs/gpu-*.config.json 2>/dev/null
  ls -la "$OUT"
}
trap package EXIT

train() {  # train RUN STAGE SECONDS WORKERS SEED: one stage, killed if it overruns its time by SLACK s
  local limit=$(( ${3%.*} + ${SLACK:-60} ))
  timeout "$limit" "$PY" -m spire.train --config "runs/$1.config.json" --stage "$2" --out "runs/$1" --device "$DEVICE" \
    --threads 2 --workers "$4" --seconds "$3" --seed "$5" >> "runs/$1.stdout" 2>&1
  local rc=$?
  echo "$1 $2: exit $rc after $SECONDS s (script clock)"; tail -n 3 "runs/$1.stdout"
  return $rc
}

est_rc=0
if [ -f "$INIT/estimator.pt" ]; then
  cp "$INIT/estimator.pt" runs/gpu-est/
else
  train gpu-est estimator "$SECONDS_EST" "$EST_WORKERS" 0 &
  est=$!
fi
train gpu-r2 restorer "$SECONDS_A" "$A_WORKERS" 0
a_rc=$?
[ -n "${est:-}" ] && { wait "$est"; est_rc=$?; }
[ "$a_rc" = 0 ] && [ "$est_rc" = 0 ] || { echo "phase A exit $a_rc, estimator exit $est_rc"; exit 1; }
cp runs/gpu-r2/restorer.pt runs/gpu-est/estimator.pt runs/gpu-r2-auto/
train gpu-r2-auto restorer "$SECONDS_B" "$B_WORKERS" 3
b_rc=$?
echo "phase A exit $a_rc, estimator exit $est_rc, phase B exit $b_rc"
[ "$b_rc" = 0 ]
