"""Reference values for mlx-optim's tests, computed by MLX 0.32.4.

Run from this directory:  /root/mlxvenv/bin/python reference.py
Writes reference.json: the fixed parameters and per-step gradients, and for
each optimizer config the parameters and flattened optimizer state after
STEPS updates; schedule values for steps 0..9; clip_grad_norm results;
mlx_<config>_{params,state}.safetensors: MLX checkpoints after two steps.
"""
import json

import mlx.core as mx
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten, tree_map, tree_unflatten

STEPS = 5
rng = np.random.default_rng(7)
SHAPES = {"w": (2, 3), "b": (3,), "layers.0.k": (2, 2), "layers.1.k": (1,)}


def tree(flat):
    return tree_unflatten([(k, mx.array(v, dtype=mx.float32)) for k, v in flat.items()])


params0 = {k: rng.normal(size=s).astype(np.float32) for k, s in SHAPES.items()}
grads = [{k: rng.normal(size=s).astype(np.float32) for k, s in SHAPES.items()} for _ in range(STEPS)]

CONFIGS = {
    "sgd": lambda: optim.SGD(0.1),
    "sgd_momentum_wd": lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.01),
    "sgd_dampening": lambda: optim.SGD(0.1, momentum=0.9, dampening=0.1),
    "sgd_nesterov": lambda: optim.SGD(0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    "rmsprop": lambda: optim.RMSprop(0.01),
    "rmsprop_alpha": lambda: optim.RMSprop(0.02, alpha=0.9, eps=1e-6),
    "adagrad": lambda: optim.Adagrad(0.1),
    "adadelta": lambda: optim.AdaDelta(1.0, rho=0.9),
    "adam": lambda: optim.Adam(0.01),
    "adam_bias_correction": lambda: optim.Adam(0.01, betas=[0.8, 0.99], bias_correction=True),
    "adamw": lambda: optim.AdamW(0.01, weight_decay=0.1),
    "adamw_bias_correction": lambda: optim.AdamW(0.02, bias_correction=True),
    "adamax": lambda: optim.Adamax(0.01),
    "lion": lambda: optim.Lion(0.01, weight_decay=0.1),
    "lion_plain": lambda: optim.Lion(0.02, betas=[0.5, 0.9]),
    "adafactor": lambda: optim.Adafactor(),
    "adafactor_lr_beta": lambda: optim.Adafactor(0.01, relative_step=False, beta_1=0.9, weight_decay=0.01),
    "adafactor_warmup": lambda: optim.Adafactor(warmup_init=True, scale_parameter=False, clip_threshold=0.5),
    "sgd_cosine": lambda: optim.SGD(optim.cosine_decay(0.1, 3), momentum=0.5),
    "adam_joined": lambda: optim.Adam(optim.join_schedules(
        [optim.linear_schedule(0.0, 0.01, 2), optim.exponential_decay(0.01, 0.9)], [2])),
    "sgd_step_decay": lambda: optim.SGD(optim.step_decay(0.1, 0.5, 2)),
    "muon": lambda: optim.Muon(0.02),
    "muon_plain": lambda: optim.Muon(0.05, momentum=0.9, weight_decay=0.0, nesterov=False, ns_steps=3),
    "multi_muon_adamw": lambda: optim.MultiOptimizer(
        [optim.Muon(0.02), optim.AdamW(0.01, weight_decay=0.1)], [lambda path, w: w.ndim >= 2]),
}


def listify(a):
    return np.array(a.astype(mx.float32) if a.dtype != mx.uint64 else a).reshape(-1).tolist()


out = {"steps": STEPS, "shapes": {k: list(s) for k, s in SHAPES.items()},
       "params": {k: v.reshape(-1).tolist() for k, v in params0.items()},
       "grads": [{k: v.reshape(-1).tolist() for k, v in g.items()} for g in grads],
       "configs": {}}
for name, make in CONFIGS.items():
    opt = make()
    p = tree(params0)
    for g in grads:
        p = opt.apply_gradients(tree(g), p)
        mx.eval(p, opt.state)
    out["configs"][name] = {
        "params": {k: listify(v) for k, v in tree_flatten(p)},
        "state": {k: listify(v) for k, v in tree_flatten(opt.state)},
    }

# MLX checkpoints after two steps: parameters and optimizer state as
# mx.save_safetensors(f, dict(tree_flatten(...))) writes them.
for name in ["adam_bias_correction", "adafactor_lr_beta"]:
    opt = CONFIGS[name]()
    p = tree(params0)
    for g in grads[:2]:
        p = opt.apply_gradients(tree(g), p)
        mx.eval(p, opt.state)
    mx.save_safetensors(f"mlx_{name}_params.safetensors", dict(tree_flatten(p)))
    mx.save_safetensors(f"mlx_{name}_state.safetensors", dict(tree_flatten(opt.state)))

# Low precision: parameters, gradients and state stay float16 / bfloat16.
for dt in ["float16", "bfloat16"]:
    opt = optim.Adam(0.01, bias_correction=True)
    p = tree_map(lambda a: a.astype(getattr(mx, dt)), tree(params0))
    for g in grads:
        p = opt.apply_gradients(tree_map(lambda a: a.astype(getattr(mx, dt)), tree(g)), p)
        mx.eval(p, opt.state)
    out["adam_" + dt] = {k: listify(v) for k, v in tree_flatten(p)}

SCHEDULES = {
    "exponential_decay": optim.exponential_decay(0.1, 0.9),
    "step_decay": optim.step_decay(0.1, 0.9, 3),
    "cosine_decay": optim.cosine_decay(0.1, 7, 0.01),
    "linear_schedule": optim.linear_schedule(0.001, 0.1, 5),
    "join_schedules": optim.join_schedules(
        [optim.linear_schedule(0.0, 0.1, 3), optim.cosine_decay(0.1, 4)], [3]),
}
out["schedules"] = {k: [s(mx.array(i, mx.uint64)).item() for i in range(10)] for k, s in SCHEDULES.items()}

clips = {}
for max_norm in [1.0, 100.0]:
    c, n = optim.clip_grad_norm(tree(grads[0]), max_norm)
    clips[str(max_norm)] = {"norm": n.item(), "grads": {k: listify(v) for k, v in tree_flatten(c)}}
out["clip_grad_norm"] = clips

with open("reference.json", "w") as fh:
    json.dump(out, fh, sort_keys=True)
