#!/usr/bin/env bash
# How the embedded default pack models/packs/spire-compact was made: train, merge, export.
#
# The shipped pack: the stop-10 pack below, then (2026-12-03) the degradation estimator and the restorer's
# auto fine-tune: `bash tools/build_compact.sh auto` (see that case).
#
# The stop-10 pack (2026-11-26): the CPU recipe below (train), then
#   restorer phase 4 on a GPU:
#     bash tools/gpu_train.sh DATA runs/compact-rest6 OUT    (one ~8-minute run on the device machine, an H200;
#       its runs/gpu-rest process fine-tunes phase 3's restorer; its runs/gpu-gen was not shipped, see the MODEL_CARD)
#   adaptor fine-tune for faithful-mode img2img (both CPU cores):
#     GEN=runs/compact-gen REST=runs/gpu-rest bash tools/build_compact.sh finetune        -> runs/compact-ft
#   GEN=runs/compact-ft REST=runs/gpu-rest bash tools/build_compact.sh pack
#
# The CPU-only recipe (the stop-9 pack: every stage on two CPU cores):
#   cd models && bash tools/build_compact.sh train     # both training processes (2 CPU cores: one each)
#   cd models && bash tools/build_compact.sh pack      # merge the two runs and export the pack
#
# CPU phase 1: two processes train in parallel on a 2-core machine, one core each:
#   runs/compact-gen         vae -> unet -> adaptor (the generative prior and its adaptor)
#   runs/compact-rest-plain  the first-stage restorer (faithful mode) without its degradation input
#                            (configs/compact.json with restorer.degradation_input false)
# They share one frozen text encoder: its seeded random initialisation is written to every run first
# (train.train_text_encoder is false in configs/compact.json), so the restorer can train while the UNet does.
# Phase 2 (both cores): runs/compact-rest-cond, the restorer with restorer.degradation_input (the parsed
# prompt's numbers), warm-started from phase 1 (its new MLP ends in a zero layer, so it starts as the same
# function). Phase 3 (both cores): runs/compact-rest, a fine-tune of phase 2 at a lower peak lr (3e-4) on
# fresh samples (seed 1). The GPU stage (tools/gpu_train.sh) starts from phase 3's restorer and text encoder.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SPIRE_PYTHON:-/usr/bin/python3}
CFG=configs/compact.json
GEN=${GEN:-runs/compact-gen}
REST_PLAIN=${REST_PLAIN:-runs/compact-rest-plain}
REST_COND=${REST_COND:-runs/compact-rest-cond}
REST=${REST:-runs/compact-rest}
PACK=${PACK:-packs/spire-compact}
VAE_STEPS=${VAE_STEPS:-600}
UNET_STEPS=${UNET_STEPS:-1000}
ADAPTOR_STEPS=${ADAPTOR_STEPS:-500}
RESTORER_STEPS=${RESTORER_STEPS:-6000}
RESTORER2_STEPS=${RESTORER2_STEPS:-12000}
RESTORER3_STEPS=${RESTORER3_STEPS:-3000}
DEFAULTS='{"useRestorer": true, "restorerViews": 8, "strength": 0, "steps": 20, "guidanceScale": 3, "scheduler": "ddim", "colorFix": "wavelet", "colorFixLevels": 3, "eta": 0}'

case "${1:-}" in
  train)
    plain_cfg="$REST_PLAIN.config.json"
    "$PY" - "$CFG" "$plain_cfg" "$GEN" "$REST_PLAIN" "$REST_COND" "$REST" <<'PYEOF'
import json, sys, torch
from spire.config import SpireConfig
from spire.sampler import SpireModels
cfg = json.load(open(sys.argv[1]))
cfg["restorer"]["degradation_input"] = False
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
torch.manual_seed(0)
models = SpireModels(SpireConfig.load(sys.argv[1]))
for run in sys.argv[3:]:
    models.save(run, parts=["text_encoder"])  # the same frozen text encoder for every run
PYEOF
    "$PY" -m spire.train --config "$plain_cfg" --stage restorer --out "$REST_PLAIN" --threads 1 --steps "$RESTORER_STEPS" > "$REST_PLAIN.stdout" 2>&1 &
    rest=$!
    for stage in vae unet adaptor; do
      case $stage in vae) n=$VAE_STEPS ;; unet) n=$UNET_STEPS ;; adaptor) n=$ADAPTOR_STEPS ;; esac
      "$PY" -m spire.train --config "$CFG" --stage $stage --out "$GEN" --threads 1 --steps "$n" >> "$GEN.stdout" 2>&1
    done
    wait $rest
    # Phase 2: warm start the restorer with the degradation input from phase 1, then train it on both cores.
    "$PY" - "$CFG" "$REST_PLAIN/restorer.pt" "$REST_COND" <<'PYEOF'
import sys, torch
from spire.config import SpireConfig
from spire.sampler import SpireModels
models = SpireModels(SpireConfig.load(sys.argv[1]))
missing, unexpected = models.restorer.load_state_dict(torch.load(sys.argv[2]), strict=False)
if unexpected or not all(k.startswith("degradation.") for k in missing):
    raise SystemExit(f"{sys.argv[2]} does not fit the restorer: missing {missing}, unexpected {unexpected}")
models.save(sys.argv[3], parts=["restorer"])
PYEOF
    "$PY" -m spire.train --config "$CFG" --stage restorer --out "$REST_COND" --threads 2 --steps "$RESTORER2_STEPS" > "$REST_COND.stdout" 2>&1
    # Phase 3: fine-tune at peak lr 3e-4 (a config copy that differs only there), new samples (seed 1).
    ft_cfg="$REST.config.json"
    "$PY" -c 'import json, sys; c = json.load(open(sys.argv[1])); c["train"]["lr"]["restorer"] = 3e-4; json.dump(c, open(sys.argv[2], "w"), indent=2)' "$CFG" "$ft_cfg"
    cp "$REST_COND/restorer.pt" "$REST/restorer.pt"
    "$PY" -m spire.train --config "$ft_cfg" --stage restorer --out "$REST" --threads 2 --steps "$RESTORER3_STEPS" --seed 1 > "$REST.stdout" 2>&1
    ;;
  finetune)
    # The adaptor, fine-tuned on both CPU cores from GEN's, conditioned on REST's restorer: 3 in 4 samples
    # start from the condition image's latent noised to t < 300 and learn to land on the clean latent
    # (train.adaptor_from_condition), 3 in 4 are conditioned on the restorer's output (train.adaptor_restored).
    # Two windows of wall time (the shipped run: 2100 s, then a resumed 2000 s).
    ft=${FT:-runs/compact-ft}
    rm -rf "$ft" && mkdir -p "$ft"
    cp "$GEN"/{vae,unet,text_encoder,adaptor}.pt "$ft/"
    cp "$REST/restorer.pt" "$ft/"
    "$PY" - "$GEN/config.json" "$REST/config.json" "$ft.config.json" <<'PYEOF'
import json, sys
c, rest = (json.load(open(p)) for p in sys.argv[1:3])
c["restorer"] = rest["restorer"]
t = c["train"]
t["batch"]["adaptor"], t["lr"]["adaptor"], t["steps"]["adaptor"], t["lr_schedule"] = 8, 1e-4, 5000, "cosine"
t["adaptor_restored"], t["adaptor_from_condition"], t["adaptor_from_max_t"] = 0.75, 0.75, 300
t["log_every"], t["ckpt_every"] = 25, 100
json.dump(c, open(sys.argv[3], "w"), indent=2)
PYEOF
    "$PY" -m spire.train --config "$ft.config.json" --stage adaptor --out "$ft" --threads 2 --workers 1 \
      --seconds "${FT_SECONDS_1:-2100}" --steps 5000 >> "$ft.stdout" 2>&1
    "$PY" -m spire.train --config "$ft.config.json" --stage adaptor --out "$ft" --threads 2 --workers 1 \
      --seconds "${FT_SECONDS_2:-2000}" --steps 5000 --resume >> "$ft.stdout" 2>&1
    ;;
  pack)
    merged=${MERGED:-runs/compact-merged}
    rm -rf "$merged" && mkdir -p "$merged"
    # The generative run's config (it holds the measured latent scale factor) with the restorer section
    # of the restorer run (the two runs may differ only there).
    "$PY" - "$GEN/config.json" "$REST/config.json" "$merged/config.json" <<'PYEOF'
import json, sys
gen, rest = (json.load(open(p)) for p in sys.argv[1:3])
for key in gen:
    if key not in ("restorer", "train", "autoencoder") and gen[key] != rest[key]:
        raise SystemExit(f"the runs disagree on {key!r}: they cannot be merged")
gen["restorer"] = rest["restorer"]
json.dump(gen, open(sys.argv[3], "w"), indent=2)
PYEOF
    cp "$GEN"/{text_encoder,vae,unet,adaptor}.pt "$merged/"
    cp "$REST/restorer.pt" "$merged/"
    "$PY" -c 'import sys, torch; a, b = (torch.load(p) for p in sys.argv[1:]); sys.exit(0 if a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a) else "the runs'"'"' text encoders differ: they cannot be merged")' "$GEN/text_encoder.pt" "$REST/text_encoder.pt"
    "$PY" -m spire.export --run "$merged" --out "$PACK" --force --defaults "$DEFAULTS"
    ;;
  auto)
    # The degradation estimator and the restorer's fine-tune for the auto prompt and the estimate-steered blind
    # prompt, on top of the shipped pack (its other graphs stay byte for byte):
    #   $SHIPPED  the pack's restorer read back from its graph (spire.from_pack) and the seeded text encoder
    #   $EST      the estimator, trained from scratch (configs/compact.json estimator section, 6000 steps)
    #   $AUTO     the restorer fine-tuned on auto_samples (train.restorer_mixer "auto", with $EST's estimator)
    # then `spire.export --update restorer estimator` writes both into $PACK.
    SHIPPED=${SHIPPED:-runs/compact-shipped}
    EST=${EST:-runs/compact-est}
    AUTO=${AUTO:-runs/compact-auto}
    "$PY" -m spire.from_pack --pack "$PACK" --config "$CFG" --out "$SHIPPED" --parts restorer --seeded text_encoder
    if [ ! -f "$EST/estimator.pt" ] || [ -n "${RETRAIN_ESTIMATOR:-}" ]; then
      "$PY" -m spire.train --config "$CFG" --stage estimator --out "$EST" --threads 2 >> "$EST.stdout" 2>&1
    fi
    auto_cfg="$AUTO.config.json"
    "$PY" - "$SHIPPED/config.json" "$auto_cfg" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
t = c["train"]
t["restorer_mixer"], t["auto_mix"] = "auto", {"p_realesrgan": 0.25, "p_everyday": 0.4, "p_blind": 0.3, "p_auto": 0.3}
t["lr"]["restorer"], t["steps"]["restorer"], t["lr_schedule"] = 2e-4, 4000, "cosine"
t["log_every"], t["ckpt_every"] = 25, 100
json.dump(c, open(sys.argv[2], "w"), indent=2)
PYEOF
    mkdir -p "$AUTO"
    [ -f "$AUTO/restorer.pt" ] || cp "$SHIPPED"/{restorer,text_encoder}.pt "$AUTO/"
    cp "$EST/estimator.pt" "$AUTO/"
    "$PY" -m spire.train --config "$auto_cfg" --stage restorer --out "$AUTO" --threads 1 --workers 1 --seed 3 \
      --seconds "${AUTO_SECONDS:-3600}" ${AUTO_RESUME:+--resume} >> "$AUTO.stdout" 2>&1
    "$PY" -m spire.export --run "$AUTO" --out "$PACK" --update restorer estimator
    ;;
  *)
    echo "usage: bash tools/build_compact.sh train|finetune|pack|auto" >&2
    exit 2
    ;;
esac
