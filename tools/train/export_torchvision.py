#!/usr/bin/python3
"""Exports torchvision classifiers with seeded random weights to ONNX, with a
seeded random input and PyTorch's output, for checking `lrp convert` on
standard architectures.

    /usr/bin/python3 tools/train/export_torchvision.py OUT_DIR [--opset 13]
        [--models resnet18,vgg11,mobilenet_v2] [--seed 0] [--check]

For each model NAME it writes, into OUT_DIR:

    NAME.onnx         BatchNorm folded into the convolutions by the exporter
                      (torch.onnx.export's default, training=EVAL)
    NAME_bn.onnx      BatchNormalization nodes kept (training=PRESERVE on the
                      eval-mode model); not written for a model without
                      BatchNorm (vgg11), where it would be the same graph
    NAME_input.npy    float32 (1, 3, 224, 224), standard normal, seeded
    NAME_output.npy   float32 (1, 1000), the eval-mode PyTorch model's output

The weights are torchvision's default initialization (weights=None) under
the seed, with every bias of a Conv or Linear drawn from [-0.1, 0.1). BatchNorm is made non-trivial: its scale and shift are drawn at
random and its running mean and variance are then estimated on random
images (train-mode forward passes, cumulative average), so the eval-mode
network keeps activations at a sane scale while every BatchNorm has
statistics far from the 0/1 defaults that would make folding a no-op.

The files are large (vgg11 is about 530 MB per copy) and are not meant to
be committed. Check a pair with compare.py once `lrp convert` is built:

    /usr/bin/python3 tools/train/compare.py OUT_DIR/resnet18.onnx \\
        OUT_DIR/resnet18_input.npy OUT_DIR/resnet18_output.npy --lrp build/tools/lrp

--check also evaluates every exported graph with the NumPy evaluator in
onnx_numpy.py (float64) and compares it with PyTorch's output.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import onnx_numpy  # noqa: E402

DEFAULT_MODELS = "resnet18,vgg11,mobilenet_v2"


def build(name, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        # torchvision initializes the biases of vgg11's layers and of
        # mobilenet_v2's classifier to zero; random ones test bias handling
        # (and keep the exporter from merging the identical zero tensors
        # into Identity nodes).
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None:
                m.bias.copy_((torch.rand(m.bias.shape, generator=gen) - 0.5) * 0.2)  # [-0.1, 0.1)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if bns:
        with torch.no_grad():
            for bn in bns:
                bn.weight.copy_(torch.rand(bn.weight.shape, generator=gen) + 0.5)        # [0.5, 1.5)
                bn.bias.copy_((torch.rand(bn.bias.shape, generator=gen) - 0.5) * 0.5)   # [-0.25, 0.25)
                bn.reset_running_stats()
                bn.momentum = None  # cumulative average over the calibration batches
            model.train()
            for _ in range(4):
                model(torch.randn(8, 3, 224, 224, generator=gen))
    model.eval()
    return model, len(bns)


def export(model, path, opset, training):
    dummy = torch.zeros(1, 3, 224, 224)
    with warnings.catch_warnings():
        # The model is in eval mode: PRESERVE exports the eval graph and
        # constant folding cannot change the BatchNorm parameters.
        warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
        torch.onnx.export(model, dummy, path, opset_version=opset, input_names=["input"],
                          output_names=["logits"], training=training, do_constant_folding=True)
    proto = onnx.load(path)
    # full_check runs shape inference too; the graph is well under 2 GB, so
    # the in-memory check works for vgg11 as well.
    onnx.checker.check_model(proto, full_check=True)
    ops = onnx_numpy.op_counts(proto)
    print("  %s: %.1f MB, ops %s" % (os.path.basename(path), os.path.getsize(path) / 1e6,
                                     ", ".join("%s x%d" % kv for kv in sorted(ops.items()))),
          flush=True)
    return proto


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--models", default=DEFAULT_MODELS,
                   help="comma-separated torchvision model names (default %s)" % DEFAULT_MODELS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--check", action="store_true",
                   help="evaluate each exported graph with NumPy and compare with PyTorch")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out_dir, exist_ok=True)

    failed = False
    for name in args.models.split(","):
        t0 = time.perf_counter()
        model, n_bn = build(name, args.seed)
        n_params = sum(q.numel() for q in model.parameters())
        x = np.random.default_rng(args.seed).standard_normal((1, 3, 224, 224)).astype(np.float32)
        with torch.no_grad():
            y = model(torch.from_numpy(x)).numpy().astype(np.float32)
        base = os.path.join(args.out_dir, name)
        np.save(base + "_input.npy", x)
        np.save(base + "_output.npy", y)
        print("%s: %d parameters, %d BatchNorm layers, output max |y| %.4g, top-1 %d"
              % (name, n_params, n_bn, np.abs(y).max(), int(y.argmax())), flush=True)
        variants = [(base + ".onnx", torch.onnx.TrainingMode.EVAL)]
        if n_bn:
            variants.append((base + "_bn.onnx", torch.onnx.TrainingMode.PRESERVE))
        for path, training in variants:
            proto = export(model, path, args.opset, training)
            if training == torch.onnx.TrainingMode.PRESERVE and \
                    "BatchNormalization" not in onnx_numpy.op_counts(proto):
                print("  %s: no BatchNormalization node left" % os.path.basename(path))
                failed = True
            if args.check:
                got = onnx_numpy.run(proto, x)
                err = np.abs(got - y).max()
                rel = err / np.abs(y).max()
                ok = rel <= 1e-4
                failed |= not ok
                print("  %s: NumPy float64 vs PyTorch: max abs %.3g, max rel %.3g %s"
                      % (os.path.basename(path), err, rel, "PASS" if ok else "FAIL"), flush=True)
            del proto
        print("  %.1f s" % (time.perf_counter() - t0), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
