"""A small NumPy evaluator for the ONNX graphs the scripts here export.

It is an independent check that an exported graph computes what the PyTorch
model computed (no onnxruntime on the build machines): every node is
evaluated in float64 from the ONNX semantics. Only the operators and
attributes that the example models and the torchvision exports use are
implemented; anything else raises NotImplementedError naming the node.

    import onnx_numpy
    y = onnx_numpy.run("model.onnx", x)          # x: the single graph input
"""

import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads2d(attrs):
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    if isinstance(auto_pad, bytes):
        auto_pad = auto_pad.decode()
    if auto_pad not in ("NOTSET", "VALID"):
        raise NotImplementedError("auto_pad=" + auto_pad)
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    return pads  # [top, left, bottom, right]


def _windows(x, kh, kw, sh, sw, dh, dw, oh, ow):
    """x: (N, C, Hp, Wp) -> (N, C, oh, ow, kh, kw) view of the windows."""
    n, c, _, _ = x.shape
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, c, oh, ow, kh, kw),
        strides=(s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw),
        writeable=False)


def _conv(x, w, b, attrs):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    group = attrs.get("group", 1)
    sh, sw = attrs.get("strides", [1, 1])
    dh, dw = attrs.get("dilations", [1, 1])
    t, l, bo, r = _pads2d(attrs)
    xp = np.pad(x, ((0, 0), (0, 0), (t, bo), (l, r)))
    oh = (h + t + bo - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + l + r - dw * (kw - 1) - 1) // sw + 1
    win = _windows(np.ascontiguousarray(xp), kh, kw, sh, sw, dh, dw, oh, ow)
    mg = m // group
    out = np.empty((n, m, oh, ow), dtype=np.float64)
    if group == c and cg == 1 and mg == 1:  # depthwise
        out[:] = np.einsum("ncyxij,cij->ncyx", win, w[:, 0], optimize=True)
    else:
        for g in range(group):
            wg = w[g * mg:(g + 1) * mg]
            xg = win[:, g * cg:(g + 1) * cg]
            out[:, g * mg:(g + 1) * mg] = np.einsum("ncyxij,mcij->nmyx", xg, wg, optimize=True)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _pool(x, attrs, kind):
    n, c, h, w = x.shape
    kh, kw = attrs["kernel_shape"]
    sh, sw = attrs.get("strides", [1, 1])
    dh, dw = attrs.get("dilations", [1, 1])
    t, l, bo, r = _pads2d(attrs)
    ceil_mode = attrs.get("ceil_mode", 0)

    def out_size(size, lo, hi, k, s, d):
        span = size + lo + hi - d * (k - 1) - 1
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= size + lo:  # last window must start inside
            o -= 1
        return o

    oh = out_size(h, t, bo, kh, sh, dh)
    ow = out_size(w, l, r, kw, sw, dw)
    extra_h = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - (h + t + bo))
    extra_w = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - (w + l + r))
    # Explicit pads: -inf for max, 0 (counted) or NaN (not counted) for
    # average; the ceil_mode overhang is never counted.
    if kind == "max":
        pad_fill = over_fill = -np.inf
    else:
        pad_fill = 0.0 if attrs.get("count_include_pad", 0) else np.nan
        over_fill = np.nan
    xp = np.pad(x, ((0, 0), (0, 0), (t, bo), (l, r)), constant_values=pad_fill)
    xp = np.pad(xp, ((0, 0), (0, 0), (0, extra_h), (0, extra_w)), constant_values=over_fill)
    win = _windows(np.ascontiguousarray(xp), kh, kw, sh, sw, dh, dw, oh, ow)
    if kind == "max":
        return win.max(axis=(4, 5))
    valid = ~np.isnan(win)
    return np.where(valid, win, 0.0).sum(axis=(4, 5)) / valid.sum(axis=(4, 5))


def _lrn(x, attrs):
    size = attrs["size"]
    alpha = attrs.get("alpha", 1e-4)
    beta = attrs.get("beta", 0.75)
    bias = attrs.get("bias", 1.0)
    c = x.shape[1]
    sq = np.pad(x * x, ((0, 0), ((size - 1) // 2, size // 2), (0, 0), (0, 0)))
    s = sum(sq[:, i:i + c] for i in range(size))
    return x / (bias + alpha / size * s) ** beta


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def run(model, x):
    """Evaluates `model` (a path or ModelProto) on `x`; returns the first output
    as float64."""
    if isinstance(model, str):
        model = onnx.load(model)
    g = model.graph
    env = {t.name: numpy_helper.to_array(t).astype(np.float64)
           if numpy_helper.to_array(t).dtype.kind == "f" else numpy_helper.to_array(t)
           for t in g.initializer}
    inputs = [i.name for i in g.input if i.name not in env]
    if len(inputs) != 1:
        raise NotImplementedError("graphs with %d inputs" % len(inputs))
    env[inputs[0]] = np.asarray(x, dtype=np.float64)
    for node in g.node:
        a = _attrs(node)
        i = [env[name] if name else None for name in node.input]
        op = node.op_type
        if op == "Conv":
            y = _conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif op == "BatchNormalization":
            xx, scale, bias, mean, var = i[:5]
            if a.get("training_mode", 0):
                raise NotImplementedError("BatchNormalization in training mode")
            eps = a.get("epsilon", 1e-5)
            sh = (1, -1) + (1,) * (xx.ndim - 2)
            y = (xx - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * scale.reshape(sh) + bias.reshape(sh)
        elif op == "Relu":
            y = np.maximum(i[0], 0.0)
        elif op == "Clip":
            lo = i[1] if len(i) > 1 and i[1] is not None else a.get("min", -np.inf)
            hi = i[2] if len(i) > 2 and i[2] is not None else a.get("max", np.inf)
            y = np.clip(i[0], lo, hi)
        elif op == "MaxPool":
            if len(node.output) > 1 and node.output[1]:
                raise NotImplementedError("MaxPool indices")
            y = _pool(i[0], a, "max")
        elif op == "AveragePool":
            y = _pool(i[0], a, "avg")
        elif op == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:axis])), -1)
        elif op == "Reshape":
            shape = [int(s) for s in i[1]]
            shape = [i[0].shape[k] if s == 0 else s for k, s in enumerate(shape)]
            y = i[0].reshape(shape)
        elif op == "Gemm":
            aa = i[0].T if a.get("transA", 0) else i[0]
            bb = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (aa @ bb)
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "MatMul":
            y = i[0] @ i[1]
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Mul":
            y = i[0] * i[1]
        elif op == "LRN":
            y = _lrn(i[0], a)
        elif op == "Softmax":
            y = _softmax(i[0], a.get("axis", -1))
        elif op in ("Identity", "Dropout"):
            y = i[0]
        elif op == "Constant":
            y = numpy_helper.to_array(a["value"])
            if y.dtype.kind == "f":
                y = y.astype(np.float64)
        else:
            raise NotImplementedError("node '%s' (%s)" % (node.name, op))
        env[node.output[0]] = y
    return env[g.output[0].name]


def op_counts(model):
    """{op_type: count} of a graph (a path or ModelProto)."""
    if isinstance(model, str):
        model = onnx.load(model)
    counts = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts
