"""The MLX side of mlx-lm's step-for-step agreement check and throughput
benchmark: the same decoder-only transformer as `crates/mlx-lm/src/model.rs`
(same parameter names), in MLX 0.32.4 Python.

  python tiny_lm.py init  --out golden/agreement_init.safetensors
      draws the initial weights (mx.random.seed(0)) and 20 batches of the
      progression task, and saves them with the config as metadata.
  python tiny_lm.py train --init golden/agreement_init.safetensors --out golden/mlx_losses.json
      trains 20 steps with AdamW and a warm-up + cosine schedule and writes
      the losses (the Rust test `tests/mlx_agreement.rs` does the same and
      compares).
  python tiny_lm.py bench [--steps N] [--batch B] [--seq T]
      training throughput in tokens per second (the demo's model and task).
"""

import argparse
import json
import math
import time

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten

CONFIG = dict(vocab_size=32, dims=64, layers=2, heads=4, hidden_dims=128, rope_base=10000.0, norm_eps=1e-5)
LR, WARMUP, DECAY = 3e-3, 10, 190


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dims"]
        self.heads = c["heads"]
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.rope = nn.RoPE(d // c["heads"], traditional=False, base=c["rope_base"])

    def __call__(self, x):
        b, t, d = x.shape
        h = self.heads

        def split(y):
            return y.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)

        q = self.rope(split(self.wq(x)))
        k = self.rope(split(self.wk(x)))
        v = split(self.wv(x))
        o = mx.fast.scaled_dot_product_attention(q, k, v, scale=1.0 / math.sqrt(d // h), mask="causal")
        return self.wo(o.transpose(0, 2, 1, 3).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate = nn.Linear(c["dims"], c["hidden_dims"], bias=False)
        self.up = nn.Linear(c["dims"], c["hidden_dims"], bias=False)
        self.down = nn.Linear(c["hidden_dims"], c["dims"], bias=False)

    def __call__(self, x):
        return self.down(nn.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention_norm = nn.RMSNorm(c["dims"], eps=c["norm_eps"])
        self.attention = Attention(c)
        self.mlp_norm = nn.RMSNorm(c["dims"], eps=c["norm_eps"])
        self.mlp = Mlp(c)

    def __call__(self, x):
        h = x + self.attention(self.attention_norm(x))
        return h + self.mlp(self.mlp_norm(h))


class TransformerLm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embedding = nn.Embedding(c["vocab_size"], c["dims"])
        self.layers = [Block(c) for _ in range(c["layers"])]
        self.norm = nn.RMSNorm(c["dims"], eps=c["norm_eps"])
        self.lm_head = nn.Linear(c["dims"], c["vocab_size"], bias=False)

    def __call__(self, tokens):
        h = self.embedding(tokens)
        for b in self.layers:
            h = b(h)
        return self.lm_head(self.norm(h))


def loss_fn(model, batch):
    logits = model(batch[:, :-1])
    return nn.losses.cross_entropy(logits, batch[:, 1:], reduction="mean")


def optimizer():
    sched = optim.join_schedules(
        [optim.linear_schedule(0.0, LR, WARMUP), optim.cosine_decay(LR, DECAY)], [WARMUP]
    )
    return optim.AdamW(learning_rate=sched, weight_decay=0.01)


def progressions(rng, vocab, batch, seq_len):
    start = rng.integers(0, vocab, size=(batch, 1))
    step = rng.integers(1, min(8, vocab), size=(batch, 1))
    return ((start + step * np.arange(seq_len + 1)) % vocab).astype(np.int32)


def cmd_init(args):
    mx.random.seed(0)
    model = TransformerLm(CONFIG)
    rng = np.random.default_rng(0)
    arrays = {"weights." + k: v for k, v in tree_flatten(model.parameters())}
    for i in range(args.steps):
        arrays[f"batch.{i}"] = mx.array(progressions(rng, CONFIG["vocab_size"], 8, 32))
    meta = {"config": json.dumps(CONFIG), "steps": str(args.steps), "lr": str(LR), "warmup": str(WARMUP), "decay": str(DECAY)}
    mx.save_safetensors(args.out, arrays, metadata=meta)


def cmd_train(args):
    arrays, meta = mx.load(args.init, return_metadata=True)
    cfg = json.loads(meta["config"])
    model = TransformerLm(cfg)
    model.load_weights([(k[len("weights."):], v) for k, v in arrays.items() if k.startswith("weights.")], strict=True)
    opt = optimizer()
    step = nn.value_and_grad(model, loss_fn)
    losses = []
    for i in range(int(meta["steps"])):
        loss, grads = step(model, arrays[f"batch.{i}"])
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        losses.append(loss.item())
    with open(args.out, "w") as f:
        json.dump({"mlx_version": mx.__version__, "losses": losses}, f, indent=1)
    print("\n".join(f"step {i + 1:2d}  loss {v:.6f}" for i, v in enumerate(losses)))


def cmd_bench(args):
    mx.random.seed(0)
    model = TransformerLm(CONFIG)
    opt = optimizer()
    step = nn.value_and_grad(model, loss_fn)
    rng = np.random.default_rng(1)
    batches = [mx.array(progressions(rng, CONFIG["vocab_size"], args.batch, args.seq)) for _ in range(args.steps + 5)]
    times = []
    for i, b in enumerate(batches):
        t0 = time.perf_counter()
        loss, grads = step(model, b)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        if i >= 5:
            times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    print(json.dumps({"mlx_version": mx.__version__, "steps": args.steps, "median_step_s": med,
                      "tokens_per_s": args.batch * args.seq / med, "last_loss": loss.item()}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("init")
    a.add_argument("--out", required=True)
    a.add_argument("--steps", type=int, default=20)
    a = sub.add_parser("train")
    a.add_argument("--init", required=True)
    a.add_argument("--out", required=True)
    a = sub.add_parser("bench")
    a.add_argument("--steps", type=int, default=30)
    a.add_argument("--batch", type=int, default=16)
    a.add_argument("--seq", type=int, default=64)
    args = p.parse_args()
    {"init": cmd_init, "train": cmd_train, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    main()
