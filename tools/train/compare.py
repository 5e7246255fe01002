#!/usr/bin/python3
"""Converts an ONNX model with `lrp convert`, runs it with `lrp run` and
compares the output with an expected array.

    /usr/bin/python3 tools/train/compare.py MODEL.onnx INPUT.npy EXPECTED.npy \\
        --lrp build/tools/lrp [--tol 1e-4] [--lrpm OUT.lrpm] [-- CONVERT_ARGS...]

Arguments after `--` go to `lrp convert` unchanged, e.g.
`-- --input-range 0 1 --mean 0.2860 --std 0.3530`. `lrp run` takes one
image: when INPUT.npy holds a batch (N > 1 along the first axis, e.g. the
Fashion-MNIST reference data), each image is run on its own and the outputs
are stacked.

Prints the maximum absolute error, the maximum relative error (the absolute
error divided by max |expected|) and PASS or FAIL against --tol. Exit code:
0 PASS, 1 FAIL, 2 a command failed or the arrays do not fit.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np


class CommandError(Exception):
    pass


def run(cmd, quiet):
    if not quiet:
        print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.stdout and (not quiet or proc.returncode != 0):
        sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        raise CommandError("command failed with exit code %d" % proc.returncode)


def main():
    argv = sys.argv[1:]
    convert_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, convert_args = argv[:cut], argv[cut + 1:]
    p = argparse.ArgumentParser(
        description="lrp convert + lrp run against an expected output",
        usage="%(prog)s MODEL.onnx INPUT.npy EXPECTED.npy --lrp LRP [options] [-- CONVERT_ARGS...]")
    p.add_argument("onnx")
    p.add_argument("input")
    p.add_argument("expected")
    p.add_argument("--lrp", required=True, help="path of the lrp binary")
    p.add_argument("--tol", type=float, default=1e-4,
                   help="maximum relative error (default 1e-4)")
    p.add_argument("--lrpm", help="where to write the converted model (default: a temporary directory)")
    p.add_argument("--threads", type=int, default=0, help="passed to lrp run when > 0")
    p.add_argument("--verbose", action="store_true", help="show the output of lrp run")
    args = p.parse_args(argv)

    try:
        x = np.load(args.input)
        expected = np.load(args.expected).astype(np.float64)
    except (OSError, ValueError) as e:
        print("compare: %s" % e)
        return 2

    with tempfile.TemporaryDirectory(prefix="lrp_compare_") as tmp:
        lrpm = args.lrpm or os.path.join(tmp, os.path.splitext(os.path.basename(args.onnx))[0] + ".lrpm")
        try:
            run([args.lrp, "convert", args.onnx, "-o", lrpm] + convert_args, quiet=False)
            # A batch is split into single images; a (1, ...) or unbatched array
            # is passed as it is.
            if x.ndim >= 2 and x.shape[0] > 1:
                singles = [x[i:i + 1] for i in range(x.shape[0])]
            else:
                singles = [x]
            outputs = []
            if len(singles) > 1:
                print("(%d images, one lrp run each; the first is shown)" % len(singles))
            for i, xi in enumerate(singles):
                xin = os.path.join(tmp, "input_%d.npy" % i)
                yout = os.path.join(tmp, "output_%d.npy" % i)
                np.save(xin, np.ascontiguousarray(xi))
                cmd = [args.lrp, "run", "--model", lrpm, "--input", xin, "--output", yout]
                if args.threads > 0:
                    cmd += ["--threads", str(args.threads)]
                run(cmd, quiet=not args.verbose and i > 0)
                outputs.append(np.load(yout).astype(np.float64))
        except CommandError as e:
            print("compare: %s" % e)
            return 2

    if len(singles) > 1:
        got = np.stack([o.reshape(-1) for o in outputs])
    else:
        got = outputs[0]
    if got.size != expected.size:
        print("compare: output has %d values %s, expected %d %s"
              % (got.size, got.shape, expected.size, expected.shape))
        return 2
    if got.shape != expected.shape:
        print("note: output shape %s, expected %s; compared in C order" % (got.shape, expected.shape))
        got = got.reshape(expected.shape)

    diff = np.abs(got - expected)
    max_abs = float(diff.max())
    scale = float(np.abs(expected).max())
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    worst = np.unravel_index(int(diff.argmax()), diff.shape)
    print("max abs error %.6g at %s (got %.9g, expected %.9g)"
          % (max_abs, tuple(int(i) for i in worst), got[worst], expected[worst]))
    print("max relative error %.6g (relative to max |expected| = %.6g)" % (max_rel, scale))
    if expected.ndim >= 1 and expected.shape[-1] > 1:
        agree = (got.reshape(-1, expected.shape[-1]).argmax(1)
                 == expected.reshape(-1, expected.shape[-1]).argmax(1))
        print("top-1 agreement %d/%d" % (int(agree.sum()), agree.size))
    ok = bool(np.isfinite(got).all()) and max_rel <= args.tol
    print("%s (tolerance %g)" % ("PASS" if ok else "FAIL", args.tol))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
