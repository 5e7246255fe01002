#!/usr/bin/python3
"""Writes the PyTorch LRN fixture of tests/onnx/torch_lrn_test.cc.

PyTorch's LocalResponseNorm and ONNX's LRN agree for odd sizes but place an
even window differently: PyTorch covers c - size//2 .. c + (size-1)//2 (one
more channel below c), ONNX c - (size-1)//2 .. c + size//2 (one more above).
This script records PyTorch's own outputs for an odd and an even size, and
exports the odd one through the training scripts' export path
(tools/train/train_fashion_mnist.py, FastLRN -> one ONNX LRN node). It also
checks that this path refuses an even size instead of exporting it as an
ONNX LRN that would compute something else.

Run from the repository root:
  /usr/bin/python3 tests/onnx/torch_lrn/make_torch_lrn_fixture.py
Files (next to this script):
  x.npy             float32 (1, 7, 3, 2) input, NCHW
  torch_size3.npy   F.local_response_norm(x, 3, ALPHA, BETA, K)
  torch_size4.npy   F.local_response_norm(x, 4, ALPHA, BETA, K)
  lrn_size3.onnx    FastLRN(3, ALPHA, BETA, K) exported (opset 13)
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))
import train_fashion_mnist  # noqa: E402  (the export path under test)

# Large alpha so that which neighbour is in the window changes the output
# far beyond float rounding.
ALPHA, BETA, K = 2.0, 0.75, 1.5


def main():
    torch.manual_seed(20)
    x = (torch.rand(1, 7, 3, 2) * 3.0).float()
    np.save(os.path.join(HERE, "x.npy"), x.numpy())
    for size in (3, 4):
        y = F.local_response_norm(x, size, alpha=ALPHA, beta=BETA, k=K)
        np.save(os.path.join(HERE, f"torch_size{size}.npy"), y.numpy())

    module = train_fashion_mnist.FastLRN(3, alpha=ALPHA, beta=BETA, k=K).eval()
    torch.onnx.export(module, x, os.path.join(HERE, "lrn_size3.onnx"), input_names=["x"],
                      output_names=["y"], opset_version=13)

    try:
        train_fashion_mnist.FastLRN(4, alpha=ALPHA, beta=BETA, k=K)
    except ValueError as e:
        print("even size refused as expected:", e)
    else:
        sys.exit("FastLRN accepted an even size: its ONNX export would change the function")


if __name__ == "__main__":
    main()
