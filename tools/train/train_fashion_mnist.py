#!/usr/bin/python3
"""Trains the Fashion-MNIST example models and exports them to ONNX.

    /usr/bin/python3 tools/train/train_fashion_mnist.py --arch cnn
    /usr/bin/python3 tools/train/train_fashion_mnist.py --arch lrn

--arch cnn  conv3x3(1->32)-BN-ReLU-maxpool2, conv3x3(32->64)-BN-ReLU-maxpool2,
            flatten, Linear(3136->128)-ReLU-Dropout, Linear(128->10).
            Writes fashion_mnist_cnn.onnx (BatchNorm folded into the convs by
            the exporter) and fashion_mnist_cnn_bn.onnx (BatchNormalization
            nodes kept); the output is the logits.
--arch lrn  AlexNet-style: conv5x5(1->32)-ReLU-LRN-maxpool2,
            conv5x5(32->64)-ReLU-LRN-maxpool2, flatten, Linear(3136->128)-ReLU,
            Linear(128->10); both LRNs size=5, alpha=1e-4, beta=0.75, k=2.
            Writes fashion_mnist_lrn.onnx, which ends in a Softmax.

Inputs are the pixels scaled to [0, 1] and normalized, x' = (x - 0.2860) / 0.3530
(the mean and std of the training images), the same preprocessing `lrp convert
--input-range 0 1 --mean 0.2860 --std 0.3530` stores in the model.

Every run also writes the reference data for the C++ conformance test (the
first 8 test images, normalized, their labels and PyTorch's outputs), the
class names and one test PNG per class. Everything is seeded; the data is read
from Debian's dataset-fashion-mnist (IDX files, gzip). Python is tooling only:
nothing here is needed to build or test the C++ library.
"""

import argparse
import gzip
import os
import struct
import sys
import time
import warnings
import zlib

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import onnx_numpy  # noqa: E402

MEAN, STD = 0.2860, 0.3530
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
NUM_REFERENCE = 8  # test images in the reference data


# ---------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (optionally gzip-compressed) of unsigned bytes as a NumPy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    offset = 4 + 4 * ndim
    if len(data) - offset != int(np.prod(dims)):
        raise ValueError("%s: expected %d bytes of data, found %d"
                         % (path, int(np.prod(dims)), len(data) - offset))
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def load_split(data_dir, split):
    images = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % split))
    labels = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % split))
    return images, labels.astype(np.int64)


def normalize(images_u8):
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), x' = (x / 255 - mean) / std,
    computed in float32 exactly as the tensor PyTorch sees."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x[:, None, :, :].astype(np.float32)


# --------------------------------------------------------------- models

class CNN(nn.Module):
    def __init__(self, dropout=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.relu3 = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = self.dropout(self.relu3(self.fc1(x)))
        return self.fc2(x)


class _LRNExport(torch.autograd.Function):
    """PyTorch's local_response_norm, exported as one ONNX LRN node (the
    stock module would be traced into Pad/AveragePool/Pow/Div)."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return F.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        _check_odd_lrn_size(size)
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


def _check_odd_lrn_size(size):
    """PyTorch and ONNX place an even LRN window differently (PyTorch puts
    the extra channel below c, ONNX above), so an even-size PyTorch LRN
    exported as an ONNX LRN node would silently compute another function.
    Only odd sizes, where both agree, may take this path."""
    if size % 2 == 0:
        raise ValueError(
            f"LRN size {size} is even: PyTorch's window (one more channel below c) "
            "differs from ONNX LRN's (one more above); use an odd size")


class FastLRN(nn.LocalResponseNorm):
    """nn.LocalResponseNorm that is cheaper to train and exports as ONNX LRN.

    PyTorch computes LRN through avg_pool3d, which makes it the slowest layer
    of the model on a CPU; in training mode this sums the `size` shifted
    squares directly, the same function (window [c - size//2, c + (size-1)//2],
    alpha divided by size, as ONNX LRN for an odd size). In eval mode it runs
    the stock F.local_response_norm, so the reference outputs come from
    PyTorch's own LRN; while exporting it emits an LRN node.
    """

    def __init__(self, size, *args, **kwargs):
        _check_odd_lrn_size(size)
        super().__init__(size, *args, **kwargs)

    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            return _LRNExport.apply(x, self.size, self.alpha, self.beta, self.k)
        if not self.training:
            return super().forward(x)
        c = x.shape[1]
        sq = F.pad(x * x, (0, 0, 0, 0, self.size // 2, (self.size - 1) // 2))
        s = sq[:, 0:c]
        for i in range(1, self.size):
            s = s + sq[:, i:i + c]
        return x / (self.k + (self.alpha / self.size) * s).pow(self.beta)


class LRNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.relu1 = nn.ReLU()
        self.lrn1 = FastLRN(size=5, alpha=1e-4, beta=0.75, k=2.0)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.relu2 = nn.ReLU()
        self.lrn2 = FastLRN(size=5, alpha=1e-4, beta=0.75, k=2.0)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool1(self.lrn1(self.relu1(self.conv1(x))))
        x = self.pool2(self.lrn2(self.relu2(self.conv2(x))))
        x = torch.flatten(x, 1)
        return self.fc2(self.relu3(self.fc1(x)))


class WithSoftmax(nn.Module):
    """The exported form of the lrn model: logits followed by a Softmax."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.net(x))


# ------------------------------------------------------------- training

@torch.no_grad()
def predict(model, x, batch=1000):
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])


def train(model, x_train, y_train, x_test, y_test, args):
    gen = torch.Generator().manual_seed(args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n = len(x_train)
    total = 0.0
    total_cpu = 0.0
    reached = None
    history = []
    for epoch in range(1, args.max_epochs + 1):
        model.train()
        t0 = time.perf_counter()
        c0 = time.process_time()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, args.batch_size):
            idx = perm[i:i + args.batch_size]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        t_train = time.perf_counter() - t0
        c_train = time.process_time() - c0
        total += t_train
        total_cpu += c_train
        t1 = time.perf_counter()
        acc = (predict(model, x_test).argmax(1) == y_test).float().mean().item()
        t_eval = time.perf_counter() - t1
        history.append((epoch, acc, t_train))
        print("epoch %d: loss %.4f  train acc %.2f%%  test acc %.2f%%  train %.1f s "
              "(CPU %.1f s)  eval %.1f s  (training so far %.1f s, CPU %.1f s)"
              % (epoch, loss_sum / n, 100.0 * correct / n, 100.0 * acc, t_train, c_train,
                 t_eval, total, total_cpu), flush=True)
        if reached is None and acc >= args.target:
            reached = epoch
        if reached is not None and epoch >= reached + args.extra_epochs and acc >= args.target:
            break
    return acc, total, total_cpu, history


# --------------------------------------------------------------- export

def export(model, path, output_name, training=torch.onnx.TrainingMode.EVAL):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    with warnings.catch_warnings():
        # Harmless here: the model is in eval mode, so PRESERVE exports the
        # eval graph and constant folding cannot touch the BatchNorm
        # parameters; and torch 1.13 warns about g.op in custom symbolics.
        warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
        warnings.filterwarnings("ignore", message=".*_graph_op.*")
        torch.onnx.export(model, dummy, path, opset_version=13, input_names=["input"],
                          output_names=[output_name], training=training,
                          do_constant_folding=True)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    ops = onnx_numpy.op_counts(proto)
    print("  %s: %d bytes, ops %s" % (os.path.relpath(path, REPO), os.path.getsize(path),
                                       ", ".join("%s x%d" % kv for kv in sorted(ops.items()))))
    return proto


def check_graph(proto, x, expected, what):
    """Evaluates the ONNX graph with NumPy (float64), one image at a time as the
    graph's fixed (1, 1, 28, 28) input, against PyTorch's float32 outputs."""
    got = np.concatenate([onnx_numpy.run(proto, x[i:i + 1]) for i in range(len(x))])
    err = np.abs(got - expected.astype(np.float64)).max()
    rel = err / max(np.abs(expected).max(), 1e-30)
    print("  %s: ONNX graph (NumPy, float64) vs PyTorch: max abs %.3g, max rel %.3g"
          % (what, err, rel))
    if rel > 1e-4:
        raise SystemExit("%s: the exported graph does not match the PyTorch model" % what)


# ------------------------------------------------------------ PNG, files

def write_png_gray(path, img):
    """8-bit grayscale PNG, no filtering."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n"
                + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9))
                + chunk(b"IEND", b""))


def slug(name):
    return name.lower().replace("/", "_").replace(" ", "_").replace("-", "")


def write_shared_files(test_images, test_labels, x_ref, args):
    """Class names, reference inputs/labels and the example PNGs (the same
    bytes on every run)."""
    with open(os.path.join(args.models_dir, "fashion_mnist_labels.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    np.save(os.path.join(args.reference_dir, "fashion_mnist_input.npy"), x_ref)
    np.save(os.path.join(args.reference_dir, "fashion_mnist_labels.npy"),
            test_labels[:NUM_REFERENCE].astype(np.int64))
    written = []
    for cls in range(len(CLASSES)):
        index = int(np.flatnonzero(test_labels == cls)[0])  # first test image of the class
        name = "fashion_mnist_test_%d_%s.png" % (index, slug(CLASSES[cls]))
        write_png_gray(os.path.join(args.images_dir, name), test_images[index])
        written.append(name)
    print("wrote labels, reference input/labels and %d PNGs" % len(written))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", choices=["cnn", "lrn"], required=True)
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--models-dir", default=os.path.join(REPO, "examples", "models"))
    p.add_argument("--reference-dir", default=None,
                   help="default: MODELS_DIR/reference")
    p.add_argument("--images-dir", default=os.path.join(REPO, "examples", "images"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--max-epochs", type=int, default=8)
    p.add_argument("--target", type=float, default=0.90,
                   help="test accuracy after which training stops (default 0.90)")
    p.add_argument("--extra-epochs", type=int, default=1,
                   help="epochs to train after the target is first reached (default 1)")
    p.add_argument("--train-limit", type=int, default=0,
                   help="train on the first N training images only (smoke tests)")
    args = p.parse_args()
    if args.reference_dir is None:
        args.reference_dir = os.path.join(args.models_dir, "reference")
    for d in (args.models_dir, args.reference_dir, args.images_dir):
        os.makedirs(d, exist_ok=True)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    t0 = time.perf_counter()
    train_images, train_labels = load_split(args.data_dir, "train")
    test_images, test_labels = load_split(args.data_dir, "t10k")
    if args.train_limit > 0:
        train_images, train_labels = train_images[:args.train_limit], train_labels[:args.train_limit]
    x_train = torch.from_numpy(normalize(train_images))
    y_train = torch.from_numpy(train_labels)
    x_test_np = normalize(test_images)
    x_test = torch.from_numpy(x_test_np)
    y_test = torch.from_numpy(test_labels)
    print("data: %d train, %d test images (%.1f s to load)"
          % (len(x_train), len(x_test), time.perf_counter() - t0))

    model = CNN() if args.arch == "cnn" else LRNNet()
    n_params = sum(p.numel() for p in model.parameters())
    print("%s: %d parameters, %.2f MB as float32; %d threads"
          % (args.arch, n_params, n_params * 4 / 1e6, torch.get_num_threads()))

    acc, seconds, cpu_seconds, _ = train(model, x_train, y_train, x_test, y_test, args)
    model.eval()
    print("final test accuracy %.2f%% after %.1f s of training (%.1f s CPU time)"
          % (100.0 * acc, seconds, cpu_seconds))
    if acc < args.target:
        print("warning: the target accuracy %.2f%% was not reached" % (100.0 * args.target))

    x_ref = x_test_np[:NUM_REFERENCE]
    write_shared_files(test_images, test_labels, x_ref, args)
    with torch.no_grad():
        logits = model(torch.from_numpy(x_ref)).numpy().astype(np.float32)
    ref = lambda name: os.path.join(args.reference_dir, name)  # noqa: E731
    out = lambda name: os.path.join(args.models_dir, name)  # noqa: E731
    print("reference predictions:", logits.argmax(1).tolist(),
          "labels:", test_labels[:NUM_REFERENCE].tolist())

    if args.arch == "cnn":
        proto = export(model, out("fashion_mnist_cnn.onnx"), "logits")
        check_graph(proto, x_ref, logits, "fashion_mnist_cnn")
        proto = export(model, out("fashion_mnist_cnn_bn.onnx"), "logits",
                       training=torch.onnx.TrainingMode.PRESERVE)
        if "BatchNormalization" not in onnx_numpy.op_counts(proto):
            raise SystemExit("fashion_mnist_cnn_bn.onnx has no BatchNormalization node")
        check_graph(proto, x_ref, logits, "fashion_mnist_cnn_bn")
        np.save(ref("fashion_mnist_cnn_logits.npy"), logits)
        np.save(ref("fashion_mnist_cnn_bn_logits.npy"), logits)
    else:
        wrapped = WithSoftmax(model).eval()
        with torch.no_grad():
            probs = wrapped(torch.from_numpy(x_ref)).numpy().astype(np.float32)
        proto = export(wrapped, out("fashion_mnist_lrn.onnx"), "probabilities")
        check_graph(proto, x_ref, probs, "fashion_mnist_lrn")
        np.save(ref("fashion_mnist_lrn_logits.npy"), logits)
        np.save(ref("fashion_mnist_lrn_output.npy"), probs)
    print("done")


if __name__ == "__main__":
    main()
