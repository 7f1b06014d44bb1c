"""tests/unit/family_ref.py - the real PaddleClas models' outputs for the family
tests' numeric checks (tests/unit/support/family_numeric.c).

    python family_ref.py OUTDIR Model:HxW [Model:HxW ...]

For each Model:HxW, OUTDIR/<Model>_<H>x<W>/ receives
    keys.txt    state_dict key TAB shape ("64x3x7x7"), in state_dict order
    params.npy  every state_dict tensor (float32), flattened and concatenated in that order
    input.npy   [2, 3, H, W] float32, N(0, 1)
    logits.npy  [2, 1000] float32, the module's output in eval mode (GoogLeNet: forward()[0];
                its forward also runs the aux heads, whose 1152-wide FCs need sides 192..224)
    meta.txt    what wrote it: this file's sha256, Paddle / PaddleClas / numpy versions, spec
A directory whose meta.txt matches is kept as is (Paddle is not even imported when every
fixture is current), so Paddle runs once per build tree; anything else is regenerated in a
temporary directory and renamed into place (an interrupted run leaves nothing half-written).

The network is PaddleClas' own module (paddleclas package, ppcls.arch.backbone.<module>,
imported module by module through package shells so that its CLI dependencies are not
needed; the only stub is ppcls.utils.save_load: no pretrained download). Weights are random
and reproducible (seed = crc32 of "Model:HxW", for paddle.seed and numpy's PCG64): conv and
linear weights keep PaddleClas' own random initialisation, their biases N(0, 0.2); BN scale
U(0.5, 1.5), shift N(0, 0.2), running mean N(0, 0.2), running var U(0.5, 2) with 10 % of the
channels U(0.02, 0.1), so that a wrong BN epsilon shows; every state_dict entry must be
assigned. Then one LSUV-style pass rescales every conv / linear (weight and bias) to unit
output RMS on the input batch, which keeps 100-layer nets from exploding or vanishing: the
logits are well conditioned and fp32 summation order stays far below the tests' tolerance.
"""
import hashlib
import importlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
import types
import zlib

# model name prefix -> module under ppcls.arch.backbone (first match wins)
MODULES = [
    ("DenseNet", "model_zoo.densenet"),
    ("DPN", "model_zoo.dpn"),
    ("EfficientNet", "model_zoo.efficientnet"),
    ("GhostNet", "model_zoo.ghostnet"),
    ("ResNeSt", "model_zoo.resnest"),
    ("GoogLeNet", "model_zoo.googlenet"),
    ("InceptionV3", "legendary_models.inception_v3"),
    ("InceptionV4", "model_zoo.inception_v4"),
    ("Xception41_deeplab", "model_zoo.xception_deeplab"),
    ("Xception65_deeplab", "model_zoo.xception_deeplab"),
    ("Xception", "model_zoo.xception"),
]
BATCH = 2


def module_of(name):
    for prefix, module in MODULES:
        if name.startswith(prefix):
            return module
    raise SystemExit("family_ref.py: no PaddleClas module known for %s" % name)


def parse_spec(spec):
    try:
        name, size = spec.split(":")
        h, w = (int(v) for v in size.split("x"))
    except ValueError:
        raise SystemExit("family_ref.py: bad spec %r, expected Model:HxW" % spec)
    if h <= 0 or w <= 0:
        raise SystemExit("family_ref.py: bad size in %r" % spec)
    return name, h, w


def meta_text(spec):
    with open(os.path.abspath(__file__), "rb") as f:
        gen = hashlib.sha256(f.read()).hexdigest()
    lines = ["generator %s" % gen]
    for pkg in ("paddlepaddle", "paddleclas", "numpy"):
        try:
            lines.append("%s %s" % (pkg, importlib.metadata.version(pkg)))
        except importlib.metadata.PackageNotFoundError:
            lines.append("%s none" % pkg)
    lines += ["spec %s" % spec, "batch %d" % BATCH, ""]
    return "\n".join(lines)


def current(d, meta):
    try:
        with open(os.path.join(d, "meta.txt")) as f:
            if f.read() != meta:
                return False
    except OSError:
        return False
    return all(os.path.isfile(os.path.join(d, n))
               for n in ("keys.txt", "params.npy", "input.npy", "logits.npy"))


def install_paddleclas_shells():
    import paddle

    root = os.path.join(os.path.dirname(os.path.dirname(paddle.__file__)), "paddleclas")
    if not os.path.isdir(root):
        raise SystemExit("family_ref.py: paddleclas is not installed next to paddle")
    # empty package modules pointing at the real directories: the model files and their
    # relative imports are PaddleClas' own, its __init__ chain is skipped
    for sub in ("", "ppcls", "ppcls/arch", "ppcls/arch/backbone", "ppcls/arch/backbone/model_zoo",
                "ppcls/arch/backbone/legendary_models", "ppcls/arch/backbone/base", "ppcls/utils"):
        name = ".".join(["paddleclas"] + [p for p in sub.split("/") if p])
        if name not in sys.modules:
            m = types.ModuleType(name)
            m.__path__ = [os.path.join(root, sub)]
            sys.modules[name] = m
    sl = types.ModuleType("paddleclas.ppcls.utils.save_load")

    def no_pretrained(*a, **k):
        raise RuntimeError("family_ref.py never loads pretrained weights")

    sl.load_dygraph_pretrain = no_pretrained
    sys.modules[sl.__name__] = sl
    import logging

    importlib.import_module("paddleclas.ppcls.utils.logger").init_logger(log_level=logging.ERROR)


def randomize(net, x, rng):
    import numpy as np
    import paddle
    import paddle.nn as nn

    names = {id(p): k for k, p in net.state_dict().items()}
    assigned = set()

    def put(p, a):
        p.set_value(np.asarray(a, dtype=np.float32).reshape(p.shape))
        assigned.add(names[id(p)])

    for _, l in net.named_sublayers(include_self=True):
        if isinstance(l, (nn.Conv2D, nn.Linear)):
            # the weight keeps Paddle's own random init (paddle.seed); lsuv() rescales it
            assigned.add(names[id(l.weight)])
        elif hasattr(l, "_mean") and hasattr(l, "_variance"):
            c = l._mean.shape[0]
            put(l.weight, rng.uniform(0.5, 1.5, c))
            put(l.bias, rng.normal(0.0, 0.2, c))
            put(l._mean, rng.normal(0.0, 0.2, c))
            var = rng.uniform(0.5, 2.0, c)
            low = rng.random(c) < 0.1
            var[low] = rng.uniform(0.02, 0.1, int(low.sum()))
            put(l._variance, var)
            continue
        else:
            continue
        if l.bias is not None:
            put(l.bias, rng.normal(0.0, 0.2, l.bias.shape))
    missing = [k for k in net.state_dict() if k not in assigned]
    if missing:
        raise SystemExit("family_ref.py: no initialiser for %d tensors, e.g. %s"
                         % (len(missing), missing[:3]))

    done, hooks = set(), []

    def lsuv(layer, inputs, output):
        if id(layer) in done:
            return None
        done.add(id(layer))
        rms = float(np.sqrt(np.mean(np.square(output.numpy().astype(np.float64)))))
        if not np.isfinite(rms) or rms < 1e-12:
            return None
        s = np.float32(1.0 / rms)
        layer.weight.set_value(layer.weight.numpy() * s)
        if layer.bias is not None:
            layer.bias.set_value(layer.bias.numpy() * s)
        return output * float(s)

    for _, l in net.named_sublayers(include_self=True):
        if isinstance(l, (nn.Conv2D, nn.Linear)):
            hooks.append(l.register_forward_post_hook(lsuv))
    with paddle.no_grad():
        net(paddle.to_tensor(x))
    for k in hooks:
        k.remove()


def generate(spec, out, meta):
    import numpy as np
    import paddle

    name, h, w = parse_spec(spec)
    seed = zlib.crc32(spec.encode()) & 0x7FFFFFFF
    paddle.seed(seed)
    rng = np.random.default_rng(seed)
    mod = importlib.import_module("paddleclas.ppcls.arch.backbone." + module_of(name))
    # ParamAttr names repeat across the models of a family: a fresh name scope each
    with paddle.utils.unique_name.guard():
        net = getattr(mod, name)(class_num=1000)
    net.eval()
    x = rng.standard_normal((BATCH, 3, h, w)).astype(np.float32)
    randomize(net, x, rng)
    with paddle.no_grad():
        y = net(paddle.to_tensor(x))
    if isinstance(y, (list, tuple)):
        y = y[0]
    y = y.numpy().astype(np.float32)
    if y.shape != (BATCH, 1000) or not np.all(np.isfinite(y)):
        raise SystemExit("family_ref.py: %s: bad logits %s" % (spec, y.shape))
    sd = net.state_dict()
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=os.path.dirname(out))
    try:
        with open(os.path.join(tmp, "keys.txt"), "w") as f:
            for k, v in sd.items():
                f.write("%s\t%s\n" % (k, "x".join(str(d) for d in v.shape)))
        total = sum(int(np.prod(v.shape)) for v in sd.values())
        flat = np.lib.format.open_memmap(os.path.join(tmp, "params.npy"), mode="w+",
                                         dtype=np.float32, shape=(total,))
        off = 0
        for v in sd.values():
            a = v.numpy().astype(np.float32).ravel()
            flat[off:off + a.size] = a
            off += a.size
        flat.flush()
        del flat
        np.save(os.path.join(tmp, "input.npy"), x)
        np.save(os.path.join(tmp, "logits.npy"), y)
        with open(os.path.join(tmp, "meta.txt"), "w") as f:
            f.write(meta)
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not current(out, meta):  # not just another run that got there first
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    todo = []
    for spec in sys.argv[2:]:
        name, h, w = parse_spec(spec)
        d = os.path.join(outdir, "%s_%dx%d" % (name, h, w))
        meta = meta_text(spec)
        if current(d, meta):
            print("family_ref.py: %s: cached in %s" % (spec, d))
        else:
            todo.append((spec, d, meta))
    if not todo:
        return
    import gc
    import time

    import warnings

    warnings.filterwarnings("ignore", message="No ccache found")  # printed by `import paddle`
    install_paddleclas_shells()
    import paddle

    paddle.set_device("cpu")
    for spec, d, meta in todo:
        t0 = time.time()
        gc.collect()  # the previous model released before the next is named
        generate(spec, d, meta)
        print("family_ref.py: %s: generated in %s (%.1f s)" % (spec, d, time.time() - t0))


if __name__ == "__main__":
    main()
