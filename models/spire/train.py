"""Stage-by-stage training of a SPIRE model.

    cd models && /usr/bin/python3 -m spire.train --config configs/tiny.json --stage all --out runs/tiny

Stages (each reads the parts earlier stages saved in --out):
    vae       autoencoder: L1 reconstruction + kl_weight * KL, on clean crops
    unet      the prior: text encoder + UNet learn epsilon (or v) on clean latents, the semantic prompt
              (a caption where the set has them, else "") replaced by "" with prob. prompt_dropout (CFG)
    adaptor   VAE, text encoder and UNet frozen; the adaptor (initialised from the UNet encoder) learns to
              steer the UNet from the degraded image + restoration prompt (degradation mixer samples)
    restorer  pixel-space restorer, L1 to the clean image, conditioned on the restoration prompt
    estimator degradation estimator (spire/estimator.py): which of blur, noise and JPEG a crop shows and
              their values, on degradations.make_estimator_sample crops
    all       the five in order (the estimator only when the config enables it)

With train.adaptor_restored = p > 0 the adaptor stage conditions a fraction p of its samples on the
frozen restorer's output instead of the degraded image (what the adaptor sees in faithful mode), so it
needs restorer.pt in --out. With train.adaptor_from_condition = p > 0 a fraction p of its samples starts
from the condition image's latent (img2img as the engine runs it) and learns to land on the clean one.
With train.restorer_distill = w > 0 the restorer stage also learns a frozen teacher's 8-view self-ensemble
(teacher_restorer.pt in --out, train.restorer_teacher its options): loss = (1 - w) loss(out, clean) + w loss(out,
teacher). train.restorer_mixer "denoise" trains on Gaussian noise only (a quick check of architectures).

On a GPU: --workers N builds batches in N processes (the same batches as without, since a sample is a
function of (index, step)), and --seconds S stops each stage after S seconds of training, the cosine
schedule following whichever of step / steps and elapsed / S is further along.

A Stable Diffusion 1.5 model as the prior (the paper's recipe: frozen SD UNet, VAE and CLIP text encoder,
only the adaptor trains; spire/sd_prior.py):

    cd models && /work/venv-sd/bin/python -m spire.train --prior SD_FOLDER_OR_FILE --config configs/tiny.json \
        --stage adaptor --out runs/sd-adaptor [--grad-checkpoint] [--autocast bf16]

takes the model's shapes from the prior and only the `train` section from --config; the run folder then
holds adaptor.pt and prior.json (the source), and spire.export --sd-pack writes it into an imported pack.

The folder holds config.json, <part>.pt, state_<stage>.pt (optimizer, step) and log.jsonl (one JSON
object per logged step). Every random draw is a function of (--seed, stage, step), so --resume
continues exactly where a run stopped.
"""
import argparse
import copy
import json
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .config import SpireConfig
from .restorer import Restorer, dihedral_views
from .sampler import SpireModels, load_tokenizer
from .scheduler import DDIMScheduler

STAGES = ("vae", "unet", "adaptor", "restorer", "estimator")
STAGE_PARTS = {"vae": ["vae"], "unet": ["unet", "text_encoder"], "adaptor": ["adaptor"], "restorer": ["restorer"],
               "estimator": ["estimator"]}
NEEDS = {"vae": [], "unet": ["vae"], "adaptor": ["vae", "unet", "text_encoder"], "restorer": ["text_encoder"], "estimator": []}


def to_tensor(images: list, device) -> torch.Tensor:
    """List of (H, W, 3) float images in [0, 1] -> (B, 3, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    return (x * 2 - 1).to(device)


def load_batch(dataset, batch_size: int, seed: int, k: int, step: int) -> list:
    """Batch `step` of stage number k: indices from rng([seed, k, step]), each sample a function of (index, step)."""
    rng = np.random.default_rng([seed, k, step])
    return [dataset.get(int(i), step) for i in rng.integers(len(dataset), size=batch_size)]


_worker_dataset = None  # the dataset of a --workers process (set once by its initializer)


def _init_worker(dataset) -> None:
    global _worker_dataset
    _worker_dataset = dataset
    torch.set_num_threads(1)
    import cv2  # the degradations' resizing and JPEG: one thread per worker process, not one per core

    cv2.setNumThreads(1)


def _worker_batch(batch_size: int, seed: int, k: int, step: int) -> list:
    return load_batch(_worker_dataset, batch_size, seed, k, step)


class Batches:
    """Deterministic batches: step s of stage k draws its indices from rng([seed, k, s]).

    workers = 0: one loader thread prefetches the next batch. workers > 0: that many processes
    (spawned, each holding its own copy of the dataset and its image cache) build the next
    2 * workers batches; the batches are the same either way."""

    def __init__(self, dataset, batch_size: int, seed: int, stage: str, workers: int = 0):
        self.ds, self.B, self.seed, self.k = dataset, batch_size, seed, STAGES.index(stage)
        self.workers = int(workers)
        if self.workers > 0:  # concurrent.futures, not multiprocessing.Pool: a dead worker raises instead of hanging
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(dataset,))
            self.ahead = 2 * self.workers
        else:
            self.pool = ThreadPoolExecutor(max_workers=1)
            self.ahead = 1
        self.pending = {}

    def _submit(self, step: int):
        if self.workers > 0:
            return self.pool.submit(_worker_batch, self.B, self.seed, self.k, step)
        return self.pool.submit(load_batch, self.ds, self.B, self.seed, self.k, step)

    def get(self, step: int) -> list:
        fut = self.pending.pop(step, None)
        batch = load_batch(self.ds, self.B, self.seed, self.k, step) if fut is None else fut.result()
        for s in [s for s in self.pending if s < step]:  # prefetched for steps that were skipped
            del self.pending[s]
        for s in range(step + 1, step + 1 + self.ahead):
            if s not in self.pending:
                self.pending[s] = self._submit(s)
        return batch

    def close(self) -> None:
        self.pool.shutdown(wait=self.workers > 0, cancel_futures=True)  # worker processes are waited for
        self.pending = {}


class Dataset:
    """Wraps datasets.TrainingImages so a sample depends on (index, step) only."""

    def __init__(self, cfg: SpireConfig, degrade: bool, seed: int, root=None, sets=None, crop_size=None, mixer="spire",
                 **mixer_kwargs):
        from .datasets import TrainingImages

        self.images = TrainingImages(root=root, sets=sets or cfg.train.datasets, crop_size=crop_size or cfg.train.image_size,
                                     seed=seed, degrade=degrade, cache_images=True, mixer=mixer, **mixer_kwargs)

    def __len__(self):
        return len(self.images)

    def get(self, index: int, step: int) -> dict:
        # TrainingImages draws from rng([seed, epoch, index]); the step plays the epoch so every step differs.
        # set_epoch + __getitem__ is not atomic, but only Batches' one loader thread calls it.
        self.images.set_epoch(step)
        return self.images[index]


class Trainer:
    def __init__(self, cfg: SpireConfig, out: Path, device: str, seed: int, data=None, sets=None, workers: int = 0,
                 seconds: float | None = None, models=None, autocast: str | None = None):
        """models: the parts to train and their frozen companions (default: a SpireModels built from cfg; an
        sd_prior.SDPrior for a Stable Diffusion prior). autocast: None, or "bf16" (torch.autocast around the loss)."""
        self.cfg, self.out, self.device, self.seed = cfg, Path(out), torch.device(device), seed
        self.data_root, self.sets = data, sets
        self.workers, self.seconds = int(workers), seconds
        if autocast not in (None, "bf16"):
            raise ValueError(f"autocast must be None or 'bf16', got {autocast!r}")
        self.autocast = autocast
        self.teacher = None  # train.restorer_distill's frozen teacher, loaded by the restorer stage
        self.models = SpireModels(cfg) if models is None else models
        self.loaded = self.models.load_parts(self.out, "cpu")
        self.models.to(self.device)
        self.tokenizer = load_tokenizer(cfg)
        self.scheduler = DDIMScheduler(cfg.scheduler)
        self.out.mkdir(parents=True, exist_ok=True)
        self.models.save(self.out, parts=[])  # writes config.json
        self.log_file = self.out / "log.jsonl"

    # ---- helpers -----------------------------------------------------------------------
    def embed(self, texts: list) -> torch.Tensor:
        ids = self.tokenizer(texts, max_length=self.cfg.text_encoder.max_length)  # (B, L)
        return self.models.text_encoder(torch.from_numpy(ids).to(self.device))  # (B, L, D)

    @torch.no_grad()
    def latents(self, x: torch.Tensor) -> torch.Tensor:
        return self.models.vae.encode(x)[0] * self.cfg.autoencoder.scale_factor  # (B, Cz, h, w)

    def noised(self, z0: torch.Tensor, g: torch.Generator):
        T = self.cfg.scheduler.num_train_timesteps
        t = torch.randint(0, T, (z0.shape[0],), generator=g).to(self.device)
        noise = torch.randn(z0.shape, generator=g).to(self.device)
        zt = self.scheduler.add_noise_batch(z0, noise, t)
        target = self.scheduler.get_velocity(z0, noise, t) if self.cfg.scheduler.prediction_type == "v_prediction" else noise
        return zt, t.float(), target

    # ---- per-stage losses --------------------------------------------------------------
    def loss_vae(self, batch, g):
        x = to_tensor([b["clean"] for b in batch], self.device)
        recon, mean, logvar = self.models.vae(x, generator=g)
        rec = F.l1_loss(recon, x)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        return rec + self.cfg.train.kl_weight * kl, {"l1": rec.item(), "kl": kl.item()}

    def loss_unet(self, batch, g):
        x = to_tensor([b["clean"] for b in batch], self.device)
        drop = torch.rand(len(batch), generator=g) < self.cfg.train.prompt_dropout
        prompts = ["" if d else b["semantic_prompt"] for b, d in zip(batch, drop.tolist())]
        zt, t, target = self.noised(self.latents(x), g)
        pred = self.models.unet(zt, t, self.embed(prompts))
        return F.mse_loss(pred, target), {}

    def loss_adaptor(self, batch, g):
        x = to_tensor([b["clean"] for b in batch], self.device)
        y = to_tensor([b["degraded"] for b in batch], self.device)
        z0 = self.latents(x)
        zt, t, target = self.noised(z0, g)
        with torch.no_grad():
            sem = self.embed([b["semantic_prompt"] for b in batch])
            rest = self.embed([b["restoration_prompt"] for b in batch])
            y = self.restored_condition(y, rest, [b["restoration_prompt"] for b in batch], g)
        weight = None
        if self.cfg.train.adaptor_from_condition > 0:
            zt, t, target, weight = self.from_condition(z0, zt, t, target, self.latents(y), g)
        fused = self.models.adaptor(zt, t, rest, y)
        pred = self.models.unet(zt, t, sem, *fused)
        if weight is None:
            return F.mse_loss(pred, target), {}
        per_sample = (pred - target).pow(2).flatten(1).mean(1)
        return (weight * per_sample).mean(), {}

    def from_condition(self, z0, zt, t, target, zc, g):
        """img2img as the engine runs it: a fraction train.adaptor_from_condition of the samples starts from the
        condition image's latent zc (the restorer's output in faithful mode), noised to t < adaptor_from_max_t,
        and learns to land on the clean latent z0. Epsilon target (zt - sqrt(a) z0) / sqrt(1 - a), weighted
        (1 - a) / a: the loss on those samples is the MSE of the predicted x0 to z0 (bounded as t -> 0)."""
        tc = self.cfg.train
        pick = self.pick(z0.shape[0], tc.adaptor_from_condition, g)
        t_from = torch.randint(0, tc.adaptor_from_max_t, (z0.shape[0],), generator=g).to(self.device)
        noise = torch.randn(z0.shape, generator=g).to(self.device)
        zt_from = self.scheduler.add_noise_batch(zc, noise, t_from)
        a = self.scheduler._alphas_at(t_from, z0)
        target_from = (zt_from - a.sqrt() * z0) / (1 - a).sqrt()
        sel = pick.reshape(-1, 1, 1, 1)
        weight = torch.where(pick, ((1 - a) / a).flatten(), torch.ones_like(pick, dtype=z0.dtype))
        return (torch.where(sel, zt_from, zt), torch.where(pick, t_from.float(), t),
                torch.where(sel, target_from, target), weight)

    def pick(self, n: int, frac: float, g: torch.Generator) -> torch.Tensor:
        """(n,) bool on the device: each sample chosen with probability frac (one draw from g per sample)."""
        return (torch.rand(n, generator=g) < frac).to(self.device)

    def restored_condition(self, y: torch.Tensor, rest: torch.Tensor, prompts: list, g: torch.Generator) -> torch.Tensor:
        """The adaptor's condition image: y, with a fraction train.adaptor_restored of the samples replaced by
        clamp(restorer(y), -1, 1), the image the engine's faithful mode conditions on."""
        frac = self.cfg.train.adaptor_restored
        if frac <= 0:
            return y
        pick = self.pick(y.shape[0], frac, g)
        if not bool(pick.any()):
            return y
        degradation = self.models.restorer.degradation_of(prompts, self.device)
        restored = self.models.restorer(y[pick], rest[pick], None if degradation is None else degradation[pick])
        y = y.clone()
        y[pick] = restored.clamp(-1, 1)
        return y

    def loss_restorer(self, batch, g):
        x = to_tensor([b["clean"] for b in batch], self.device)
        y = to_tensor([b["degraded"] for b in batch], self.device)
        with torch.no_grad():
            rest = self.embed([b["restoration_prompt"] for b in batch])
        if "degradation" in batch[0]:  # the auto mixer: the numbers the engine would give (an estimate's, for blind)
            degradation = torch.tensor([b["degradation"] for b in batch], device=self.device, dtype=torch.float32)
        else:
            degradation = self.models.restorer.degradation_of([b["restoration_prompt"] for b in batch], self.device)
        out = self.models.restorer(y, rest, degradation)
        kind = self.cfg.train.restorer_loss
        if kind not in ("l1", "mse"):
            raise ValueError(f"train.restorer_loss must be 'l1' or 'mse', got {kind!r}")
        loss_fn = F.l1_loss if kind == "l1" else F.mse_loss
        loss = loss_fn(out, x)
        extra = {"l1": F.l1_loss(out, x).item(), "l1_input": F.l1_loss(y, x).item()}
        w = self.cfg.train.restorer_distill
        if w > 0:  # the teacher's 8-view self-ensemble as a second target
            with torch.no_grad():
                td = degradation if degradation is not None else self.teacher.degradation_of(
                    [b["restoration_prompt"] for b in batch], self.device)
                taught = dihedral_views(lambda v: self.teacher(v, rest, td), y).clamp(-1, 1)
            loss = (1 - w) * loss + w * loss_fn(out, taught)
            extra["l1_teacher"] = F.l1_loss(taught, x).item()
        return loss, extra

    def load_teacher(self):
        """The frozen teacher of train.restorer_distill: this config's restorer with train.restorer_teacher's options,
        weights from teacher_restorer.pt in the run folder."""
        path = self.out / "teacher_restorer.pt"
        if not path.exists():
            raise RuntimeError(f"train.restorer_distill needs the teacher's weights: put teacher_restorer.pt in {self.out}")
        tcfg = copy.deepcopy(self.cfg)
        for k, v in self.cfg.train.restorer_teacher.items():
            if not hasattr(tcfg.restorer, k):
                raise ValueError(f"train.restorer_teacher: the restorer has no option {k!r}")
            setattr(tcfg.restorer, k, v)
        teacher = Restorer(tcfg)
        teacher.load_state_dict(torch.load(path, map_location="cpu"))
        return teacher.to(self.device).eval().requires_grad_(False)

    def loss_estimator(self, batch, g):
        from . import estimator as E

        y = to_tensor([b["degraded"] for b in batch], self.device)
        present, values = (t.to(self.device) for t in E.targets([b["stages"] for b in batch]))
        return E.loss(*self.models.estimator(y), present, values)

    # ---- the loop -----------------------------------------------------------------------
    def run(self, stage: str, steps: int | None = None, resume: bool = False, dataset=None):
        cfg, m = self.cfg, self.models
        needs = NEEDS[stage] + (["restorer"] if stage == "adaptor" and cfg.train.adaptor_restored > 0 else [])
        missing = [p for p in needs if p not in self.loaded]
        if missing:
            raise RuntimeError(f"stage {stage!r} needs {missing} from earlier stages in {self.out}: run those stages first")
        if stage == "adaptor" and cfg.train.adaptor_from_condition > 0 and cfg.scheduler.prediction_type != "epsilon":
            raise ValueError("train.adaptor_from_condition needs scheduler.prediction_type 'epsilon'")
        if stage in ("unet", "adaptor") and cfg.autoencoder.scale_factor <= 0:
            raise RuntimeError(f"{self.out}/config.json has no latent scale factor yet: run the vae stage first")
        if stage == "restorer" and m.restorer is None:
            raise RuntimeError("this config has restorer.enabled = false: nothing to train")
        if stage == "restorer" and cfg.train.restorer_distill > 0:
            self.teacher = self.load_teacher()
        if stage == "estimator" and m.estimator is None:
            raise RuntimeError("this config has estimator.enabled = false: nothing to train")
        if stage == "adaptor" and "adaptor" not in self.loaded:
            m.adaptor.load_from_unet(m.unet)  # ControlNet-style start from the trained UNet encoder
        trained = [getattr(m, p) for p in STAGE_PARTS[stage]]
        if stage == "unet" and not cfg.train.train_text_encoder:
            trained = trained[:1]
        m.requires_grad_(False)
        m.eval()
        params = []
        for module in trained:
            module.requires_grad_(True)
            module.train()
            params += list(module.parameters())
        opt = torch.optim.AdamW(params, lr=cfg.train.lr[stage], weight_decay=0.0)
        total = steps if steps is not None else cfg.train.steps[stage]
        start = 0
        state_file = self.out / f"state_{stage}.pt"
        if resume and state_file.exists():
            state = torch.load(state_file, map_location=self.device)
            opt.load_state_dict(state["optimizer"])
            start = state["step"]
        elif resume:
            print(f"{stage}: no {state_file.name} to resume from, starting at step 0")
        if dataset is None:
            crop = cfg.estimator.patch if stage == "estimator" else cfg.train.crop.get(stage, cfg.train.image_size)
            mixer, extra = ("estimator" if stage == "estimator" else "spire"), {}
            if stage == "restorer" and cfg.train.restorer_mixer == "auto":
                if "estimator" not in self.loaded:
                    raise RuntimeError(f"train.restorer_mixer 'auto' needs the estimator: put estimator.pt in {self.out}")
                import copy

                est = copy.deepcopy(m.estimator).cpu().eval()  # the loader's own copy, on the CPU
                mixer, crop = "auto", cfg.estimator.patch  # degrade and estimate at the estimator's patch, then crop
                extra = {"estimator": est, "patch": cfg.estimator.patch, "crop": cfg.train.crop.get(stage, cfg.train.image_size),
                         **cfg.train.auto_mix}
            elif stage == "restorer" and cfg.train.restorer_mixer == "denoise":
                mixer = "denoise"  # Gaussian noise only: a focused check of restorer architectures
            elif stage == "restorer" and cfg.train.restorer_mixer != "spire":
                raise ValueError(f"train.restorer_mixer must be 'spire', 'auto' or 'denoise', got {cfg.train.restorer_mixer!r}")
            dataset = Dataset(cfg, degrade=stage in ("adaptor", "restorer", "estimator"), seed=self.seed, root=self.data_root,
                              sets=self.sets, crop_size=crop, mixer=mixer, **extra)
        batches = Batches(dataset, cfg.train.batch.get(stage, cfg.train.batch_size), self.seed, stage, self.workers)
        loss_fn = getattr(self, f"loss_{stage}")
        t0, losses = time.time(), []
        for step in range(start, total):
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + STAGES.index(stage) * 100_003 + step)
            progress = step / total
            if self.seconds:
                progress = max(progress, (time.time() - t0) / self.seconds)
            if cfg.train.lr_schedule == "cosine":
                for group in opt.param_groups:
                    group["lr"] = cfg.train.lr[stage] * (0.1 + 0.45 * (1 + math.cos(math.pi * min(progress, 1.0))))
            elif cfg.train.lr_schedule != "constant":
                raise ValueError(f"train.lr_schedule must be 'constant' or 'cosine', got {cfg.train.lr_schedule!r}")
            batch = batches.get(step)
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast == "bf16"):
                loss, extra = loss_fn(batch, g)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            losses.append(loss.item())
            done = step + 1
            out_of_time = bool(self.seconds) and time.time() - t0 >= self.seconds
            if out_of_time:
                total = done  # the last step: log and checkpoint it as such
            if done % cfg.train.log_every == 0 or done == total:
                rec = {"stage": stage, "step": done, "loss": float(np.mean(losses)), "seconds": round(time.time() - t0, 2), **extra}
                losses = []
                with open(self.log_file, "a") as f:
                    f.write(json.dumps(rec) + "\n")
                print(json.dumps(rec), flush=True)
            if done % cfg.train.ckpt_every == 0 or done == total:
                self.checkpoint(stage, opt, done)
            if out_of_time:
                print(json.dumps({"stage": stage, "stopped_after_seconds": self.seconds, "steps": done}), flush=True)
                break
        if stage == "vae" and cfg.autoencoder.scale_factor <= 0:
            self.measure_scale_factor(batches, total)
        batches.close()
        for p in STAGE_PARTS[stage]:
            if p not in self.loaded:
                self.loaded.append(p)
        m.eval()

    @torch.no_grad()
    def measure_scale_factor(self, batches, step: int, n: int = 8):
        """Sets autoencoder.scale_factor = 1 / std of the latent means over n batches (as Stable Diffusion
        chose 0.18215) and saves it in the run's config.json, so the UNet sees unit-variance latents."""
        self.models.vae.eval()
        means = [self.models.vae.encode(to_tensor([b["clean"] for b in batches.get(step + i)], self.device))[0] for i in range(n)]
        std = float(torch.cat(means).std())
        self.cfg.autoencoder.scale_factor = round(1.0 / std, 5)
        self.models.save(self.out, parts=[])  # rewrites config.json
        rec = {"stage": "vae", "latent_std": std, "scale_factor": self.cfg.autoencoder.scale_factor}
        with open(self.log_file, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)

    def checkpoint(self, stage: str, opt, step: int):
        self.models.save(self.out, parts=STAGE_PARTS[stage])
        tmp = self.out / f"state_{stage}.pt.tmp"
        torch.save({"step": step, "optimizer": opt.state_dict()}, tmp)
        tmp.replace(self.out / f"state_{stage}.pt")


def main(argv=None):
    p = argparse.ArgumentParser(description="Train a SPIRE model stage by stage.")
    p.add_argument("--config", required=True, help="configs/<size>.json")
    p.add_argument("--stage", required=True, choices=STAGES + ("all",))
    p.add_argument("--out", required=True, help="run folder (created; holds checkpoints and log.jsonl)")
    p.add_argument("--steps", type=int, help="steps per stage (default: the config's train.steps)")
    p.add_argument("--resume", action="store_true", help="continue from state_<stage>.pt in --out")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", help="datasets root (default: ../shared/datasets or $SPIRE_DATASETS)")
    p.add_argument("--sets", nargs="*", help="training sets (default: the config's train.datasets)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="CPU threads for torch (default: all cores; on a busy machine 1 is often faster)")
    p.add_argument("--workers", type=int, default=0,
                   help="processes that build batches (default 0: one loader thread); the batches do not change")
    p.add_argument("--seconds", type=float,
                   help="stop each stage after this many seconds of training (the cosine schedule follows the time)")
    p.add_argument("--prior", metavar="SD_SOURCE",
                   help="train the adaptor on a frozen Stable Diffusion 1.5 model (diffusers folder or single file; "
                        "needs diffusers): shapes from the model, only the `train` section from --config")
    p.add_argument("--grad-checkpoint", action="store_true",
                   help="with --prior: recompute the adaptor's and UNet decoder's layers in backward (less memory)")
    p.add_argument("--autocast", choices=["bf16"], help="run the forward pass under torch.autocast in bfloat16")
    a = p.parse_args(argv)
    if a.prior is not None:
        return main_prior(a)
    if a.workers < 0 or (a.seconds is not None and a.seconds <= 0):
        raise SystemExit("--workers must be >= 0 and --seconds > 0")
    torch.set_num_threads(a.threads)
    if a.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls and convolutions: fp32 range, ~10-bit mantissa
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(a.seed)
    out = Path(a.out)
    cfg = SpireConfig.load(a.config)
    if (out / "config.json").exists():
        saved = SpireConfig.load(out / "config.json")
        if cfg.autoencoder.scale_factor <= 0:
            cfg.autoencoder.scale_factor = saved.autoencoder.scale_factor  # measured by an earlier vae stage
        if saved.to_dict() != cfg.to_dict():
            raise SystemExit(f"{out} holds a run with a different config.json: pick a new --out or pass that config")
    trainer = Trainer(cfg, out, a.device, a.seed, a.data, a.sets, a.workers, a.seconds, autocast=a.autocast)
    stages = [s for s in STAGES if s != "estimator" or cfg.estimator.enabled] if a.stage == "all" else [a.stage]
    for stage in stages:
        started = time.time()
        trainer.run(stage, a.steps, a.resume)
        print(f"{stage}: done in {time.time() - started:.1f} s", flush=True)



def main_prior(a):
    """--prior: the adaptor stage on a frozen Stable Diffusion model (spire/sd_prior.py)."""
    import dataclasses

    from .sd_prior import SDPrior, enable_gradient_checkpointing

    if a.stage != "adaptor":
        raise SystemExit("--prior trains the adaptor only: pass --stage adaptor")
    if a.workers < 0 or (a.seconds is not None and a.seconds <= 0):
        raise SystemExit("--workers must be >= 0 and --seconds > 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    out = Path(a.out)
    train = dataclasses.asdict(SpireConfig.load(a.config).train)
    prior = SDPrior.from_source(a.prior, train=train)
    if (out / "config.json").exists() and SpireConfig.load(out / "config.json").to_dict() != prior.cfg.to_dict():
        raise SystemExit(f"{out} holds a run with a different config.json (prior or train section): pick a new --out")
    if a.grad_checkpoint:
        enable_gradient_checkpointing(prior)
    trainer = Trainer(prior.cfg, out, a.device, a.seed, a.data, a.sets, a.workers, a.seconds, models=prior,
                      autocast=a.autocast)
    started = time.time()
    trainer.run("adaptor", a.steps, a.resume)
    print(f"adaptor: done in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
