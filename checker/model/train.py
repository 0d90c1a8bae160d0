"""Fine-tune vncheck's NLI cross-encoder on CPU (or GPU), resumably.

Recipe (why): full fine-tuning of all transformer layers with the 250k-row word-embedding
matrix frozen (it holds 75% of the weights, is shared by both languages, and keeps
the shipped delta small); length-sorted buckets so each batch pads only to its own
longest pair; short max length (news sentences are 20-50 tokens); linear warm-up and
decay. Checkpoints (safetensors + JSON, no pickles) every few minutes make it resumable.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import prepared, train_data
from .nli import DEFAULT_MODEL_DIR, WORD_EMBEDDINGS, build_model, length_batches, load_model, pad_batch, save_delta, select_layers

logger = logging.getLogger(__name__)

LABEL2ID = {"entailment": 0, "neutral": 1, "contradiction": 2}


@dataclass
class TrainConfig:
    seed: int = 13
    n_english: int = 8000  # generic English NLI, kept in the mix so that XNLI does not regress
    n_breaking: int = 0
    n_wmt: int = 0  # the older WMT-only edits; news_pairs covers them
    xnli_repeats: int = 2
    n_news: int = 24000  # targeted pairs from real news (news_pairs.py)
    news_recipe: int = 4  # news_pairs generator version: 3 made vncheck-nli-v3, 4 (vncheck-nli-v4) adds names, role swaps, status verbs
    rte_repeats: int = 1
    n_paraphrase: int = 6000  # PAWS-X / STS-B paraphrases and word swaps (train_data.paraphrase_pairs)
    n_codeswitch: int = 0  # extra English pairs made partly German with the dictionary below
    dictionary: str = "/usr/share/trans/de-en"
    max_length: int = 128
    batch_size: int = 32
    lr: float = 4e-5
    weight_decay: float = 0.01
    warmup: float = 0.06
    epochs: int = 1
    max_steps: int | None = None  # stop (and finish the LR decay) early; may be lowered when resuming
    checkpoint_seconds: int = 300
    eval_every: int = 300
    threads: int = 2
    data_dir: str | None = None
    run_dir: str = ".train/nli-v4"
    out_dir: str = str(DEFAULT_MODEL_DIR)
    device: str = "cpu"
    init_from: str | None = None  # continue from a shipped delta (e.g. models/vncheck-nli-v4) instead of the base
    keep_layers: list[int] | None = None  # a smaller student: these layers of the base (or of init_from), renumbered
    teacher: str | None = None  # distil from this model folder: soft labels of the teacher, see distill_weight
    distill_weight: float = 0.8  # share of the distillation loss (KL to the teacher at temperature) in the loss
    temperature: float = 2.0
    prepared: str | None = None  # train from a file written by export_prepared (no ../shared, generator or tokenizer needed)
    time_budget: float | None = None  # seconds of training: the step count follows the measured speed (re-estimated)
    extra: dict = field(default_factory=dict)


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _collate(ids_list, pad_id, torch):
    return tuple(torch.from_numpy(a) for a in pad_batch(ids_list, pad_id))


def _batches(lengths, batch_size, seed):
    """Bucketed shuffle: shuffle, sort within windows of 50 batches by length, shuffle the batches."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * 50
    batches = []
    for start in range(0, len(order), window):
        chunk = order[start : start + window]
        for b in length_batches([lengths[i] for i in chunk], batch_size):
            batches.append([chunk[i] for i in b])
    rng.shuffle(batches)
    return batches


def evaluate(model, sets: dict[str, prepared.TokenizedSet], pad_id: int, torch, device: str = "cpu", batch_size: int = 64) -> dict[str, float]:
    """Accuracy on each held-out set of (token-id rows, labels)."""
    model.eval()
    scores = {}
    with torch.no_grad():
        for name, (ids, labels) in sets.items():
            pred = np.zeros(len(ids), dtype=int)
            for batch in length_batches([len(x) for x in ids], batch_size):
                x, m = _collate([ids[i] for i in batch], pad_id, torch)
                with _autocast(device, torch):
                    logits = model(x.to(device), m.to(device))
                pred[batch] = logits.argmax(-1).cpu().numpy()
            scores[name] = float((pred == np.asarray(labels)).mean())
    model.train()
    return scores


def _autocast(device: str, torch):
    """bf16 mixed precision on a GPU (the weights and the optimiser stay fp32); nothing on CPU."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda") else contextlib.nullcontext()


def prepare_data(cfg: TrainConfig, log: Callable[[str], None] = print) -> tuple[dict[str, prepared.TokenizedSet], dict]:
    """The training set and the held-out sets, tokenized: from ``cfg.prepared`` if given, else
    built from the shared data folder (``train_data.build_training_set``). Returns
    ({"train": (rows, labels), held-out name: (rows, labels), ...}, manifest)."""
    if cfg.prepared:
        sets, manifest = prepared.read_prepared(Path(cfg.prepared))
        log(f"prepared data from {cfg.prepared}: " + ", ".join(f"{k}: {len(v[0])}" for k, v in sets.items()))
        return sets, manifest
    from .encoder import load_tokenizer
    from .news_pairs import NEWS_DEV

    data_dir = train_data.shared_data_dir(cfg.data_dir)
    pairs, manifest = train_data.build_training_set(data_dir, cfg.seed, cfg.n_english, cfg.n_breaking, cfg.n_wmt, cfg.xnli_repeats,
                                                     cfg.n_codeswitch, Path(cfg.dictionary), cfg.n_news, cfg.rte_repeats,
                                                     cfg.n_paraphrase, cfg.news_recipe)
    held = train_data.held_out_sets(data_dir, NEWS_DEV)
    log(f"training pairs: {len(pairs)} {manifest['counts']}; held-out: {{{', '.join(f'{k}: {len(v)}' for k, v in held.items())}}}")
    tok = load_tokenizer()
    manifest = manifest | {"pad_id": tok.pad_token_id, "max_length": cfg.max_length,
                           "data_options": {k: getattr(cfg, k) for k in DATA_OPTIONS}}
    sets = {name: (prepared.tokenize_pairs(tok, group, cfg.max_length), [LABEL2ID[p.label] for p in group])
            for name, group in {prepared.TRAIN: pairs, **held}.items()}
    return sets, manifest


#: The options of TrainConfig that decide the training data (recorded with prepared data).
DATA_OPTIONS = ("seed", "n_english", "n_breaking", "n_wmt", "xnli_repeats", "n_news", "news_recipe", "rte_repeats",
                "n_paraphrase", "n_codeswitch", "max_length")


def export_prepared(cfg: TrainConfig, path: Path, log: Callable[[str], None] = print) -> Path:
    """Build and tokenize the training data of ``cfg`` and write it to ``path`` (see ``prepared``)."""
    sets, manifest = prepare_data(cfg, log)
    out = prepared.write_prepared(path, sets, manifest)
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): " + ", ".join(f"{k}: {len(v[0])}" for k, v in sets.items()))
    return out


def _save_checkpoint(path: Path, model, optimizer, state: dict, torch) -> None:
    from safetensors.torch import save_file

    path.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS and "position_ids" not in k}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p)
            if st:
                tensors[f"adam.m.{names[id(p)]}"] = st["exp_avg"].cpu().contiguous()
                tensors[f"adam.v.{names[id(p)]}"] = st["exp_avg_sq"].cpu().contiguous()
                state.setdefault("adam_steps", {})[names[id(p)]] = float(st["step"])
    save_file(tensors, str(path / "ckpt.safetensors.tmp"))
    (path / "ckpt.safetensors.tmp").replace(path / "ckpt.safetensors")
    (path / "state.json").write_text(json.dumps(state, indent=1), encoding="utf-8")


def _load_checkpoint(path: Path, model, optimizer, torch, device: str = "cpu") -> dict | None:
    from safetensors.torch import load_file

    if not (path / "state.json").is_file() or not (path / "ckpt.safetensors").is_file():
        return None
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    tensors = load_file(str(path / "ckpt.safetensors"), device=device)
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=False)
    params = dict(model.named_parameters())
    for name, steps in state.get("adam_steps", {}).items():
        p = params[name]
        optimizer.state[p] = {
            "step": torch.tensor(steps),
            "exp_avg": tensors[f"adam.m.{name}"],
            "exp_avg_sq": tensors[f"adam.v.{name}"],
        }
    return state


def train(cfg: TrainConfig, log: Callable[[str], None] = print) -> dict:
    """Train (or resume) and export the best checkpoint to ``cfg.out_dir``.

    Returns:
        The final metadata written to the model's config.json.
    """
    import torch

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)

    held, manifest = prepare_data(cfg, log)
    ids, labels = held.pop(prepared.TRAIN)
    pad_id = int(manifest.get("pad_id", 1))

    model = build_model(keep_layers=cfg.keep_layers)
    if cfg.init_from:
        from safetensors.torch import load_file

        start = {k: v.float() for k, v in load_file(str(Path(cfg.init_from) / "model.safetensors")).items()}
        if cfg.keep_layers:
            start = select_layers(start, cfg.keep_layers)
        model.load_state_dict(start, strict=False)
        log(f"initialised from {cfg.init_from}" + (f", layers {cfg.keep_layers}" if cfg.keep_layers else ""))
    teacher = None
    if cfg.teacher:
        teacher, _ = load_model(cfg.teacher)
        teacher.to(cfg.device)
        log(f"distilling from {cfg.teacher} (weight {cfg.distill_weight}, temperature {cfg.temperature})")
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    model.to(cfg.device)
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr
    )
    epoch_batches = [_batches([len(x) for x in ids], cfg.batch_size, cfg.seed + e) for e in range(cfg.epochs)]
    schedule = [b for eb in epoch_batches for b in eb]
    planned = min(len(schedule), cfg.max_steps or len(schedule))
    total = planned

    def lr_at(step: int) -> float:
        warmup = max(1, int(cfg.warmup * total))  # total may be fixed later by the time budget
        if step < warmup:
            return cfg.lr * (step + 1) / warmup
        return cfg.lr * max(0.0, (total - step) / max(1, total - warmup))

    state = _load_checkpoint(run_dir, model, optimizer, torch, cfg.device) or {
        "step": 0, "best": -1.0, "history": [], "seconds": 0.0, "config": asdict(cfg),
    }
    if state.get("total"):
        total = state["total"]  # fixed by the time budget when the run began
    if state["step"]:
        log(f"resuming at step {state['step']}/{total}")
    model.train()
    loss_fn = torch.nn.CrossEntropyLoss()
    t_last_ckpt = time.time()
    t_start = time.time() - state["seconds"]
    running = []
    step = state["step"]
    while step < total:
        if cfg.time_budget and not state.get("total"):
            # Re-estimated every TIMING_STEPS from the mean step time since the warm-up (a GPU's
            # first batches of each new length are slow), so the learning rate ends at zero in time.
            since_warm = step - state["step"] - WARM_STEPS
            if since_warm == 0:
                t_warm = time.time()
            elif since_warm > 0 and since_warm % TIMING_STEPS == 0:
                per_step = (time.time() - t_warm) / since_warm
                total = _steps_within(cfg.time_budget - (time.time() - t_start), per_step, step, planned)
                if since_warm == TIMING_STEPS or step + TIMING_STEPS >= total:
                    log(f"time budget {cfg.time_budget:.0f} s at {per_step * 1000:.0f} ms a step: {total} steps")
        batch = schedule[step]
        x, m = _collate([ids[i] for i in batch], pad_id, torch)
        x, m = x.to(cfg.device), m.to(cfg.device)
        y = torch.tensor([labels[i] for i in batch]).to(cfg.device)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        with _autocast(cfg.device, torch):
            logits = model(x, m).float()
            if teacher is not None:
                with torch.no_grad():
                    teacher_logits = teacher(x, m).float()
        loss = loss_fn(logits, y)
        if teacher is not None:
            soft = torch.softmax(teacher_logits / cfg.temperature, dim=-1)
            kd = torch.nn.functional.kl_div(torch.log_softmax(logits / cfg.temperature, dim=-1), soft,
                                            reduction="batchmean") * cfg.temperature ** 2
            loss = cfg.distill_weight * kd + (1.0 - cfg.distill_weight) * loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        running.append(float(loss.detach()))
        step += 1
        if step % 50 == 0:
            elapsed = time.time() - t_start
            rate = step * cfg.batch_size / max(1e-9, elapsed)
            log(f"step {step}/{total} loss {np.mean(running[-50:]):.4f} lr {lr_at(step):.2e} {rate:.1f} pairs/s elapsed {elapsed/60:.1f} min")
        done = step == total
        if done and cfg.time_budget:
            state["total"] = total  # a resumed run keeps the step count the budget gave
        if step % cfg.eval_every == 0 or done:
            scores = evaluate(model, held, pad_id, torch, cfg.device)
            mean = float(np.mean(list(scores.values())))
            state["history"].append({"step": step, **scores, "mean": mean})
            log(f"eval step {step}: {scores} mean {mean:.4f}")
            if mean > state["best"]:
                state["best"] = mean
                state["best_step"] = step
                state["best_scores"] = scores
                save_delta(model, run_dir / "best", {v: k for k, v in LABEL2ID.items()}, {"selection": scores})
        if done or time.time() - t_last_ckpt > cfg.checkpoint_seconds:
            state["step"] = step
            state["seconds"] = time.time() - t_start
            _save_checkpoint(run_dir, model, optimizer, state, torch)
            t_last_ckpt = time.time()
            log(f"checkpoint at step {step}")

    meta = {
        "training": {
            "config": asdict(cfg),
            "data": manifest,
            "git_commit": _git_commit(),
            "steps": total,
            "train_seconds": round(state["seconds"], 1),
            "best_step": state.get("best_step"),
            "selection_scores": state.get("best_scores"),
            "history": state["history"],
            "hardware": _hardware(cfg.device, torch),
        }
    }
    best = build_model(keep_layers=cfg.keep_layers)
    from safetensors.torch import load_file

    best.load_state_dict({k: v.float() for k, v in load_file(str(run_dir / "best" / "model.safetensors")).items()}, strict=False)
    save_delta(best, Path(cfg.out_dir), {v: k for k, v in LABEL2ID.items()}, meta)
    log(f"exported best checkpoint (step {state.get('best_step')}) to {cfg.out_dir}")
    return meta


#: With a time budget: steps run before the timing starts (start-up), then the steps between re-estimates.
WARM_STEPS = 10
TIMING_STEPS = 40


def _steps_within(seconds_left: float, per_step: float, step: int, total: int) -> int:
    """The step count that ends ``seconds_left`` from now at ``per_step`` seconds a step, from ``step`` on
    (at most ``total``, at least one more step; evaluations and checkpoints are not counted).

    Example:
        >>> _steps_within(10.0, 0.5, 50, 1000), _steps_within(10.0, 0.5, 50, 60), _steps_within(-1.0, 0.5, 50, 1000)
        (70, 60, 51)
    """
    return max(step + 1, min(total, step + int(seconds_left / max(per_step, 1e-9))))


def _hardware(device: str, torch) -> str:
    import os
    import platform

    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"{platform.processor() or platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__} threads {torch.get_num_threads()}"
