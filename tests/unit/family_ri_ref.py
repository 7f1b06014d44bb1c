"""tests/unit/family_ri_ref.py - reference outputs of the real PaddleClas
modules for test_family_resnest / test_family_inception.

    python family_ri_ref.py OUTDIR Model:size [Model:size ...]

For each model: builds the PaddleClas module (paddleclas package, the same code
the pretrained weights were trained with), gives every parameter random values
(BN running stats too, so no layer is an identity), runs a batch of 2 random
images of size x size in eval mode and writes OUTDIR/<Model>/:
    keys.txt      state_dict keys, one a line, in state_dict order
    pNNNN.npy     the tensor of key NNNN (float32)
    input.npy     [2, 3, size, size]
    output.npy    [2, 1000] (GoogLeNet: the main head, forward()[0]; its forward
                  also runs the aux heads, whose 1152-wide FCs need a 3x3 pool
                  output: sizes 192..224)
Only ppcls.arch is loaded: the package's top-level imports (sklearn, requests,
...) are not needed by the model files, so the parent packages are stubbed.
"""
import gc
import importlib
import os
import sys
import types

import numpy as np

MODULES = {
    "ResNeSt50": "model_zoo.resnest",
    "ResNeSt50_fast_1s1x64d": "model_zoo.resnest",
    "GoogLeNet": "model_zoo.googlenet",
    "InceptionV3": "legendary_models.inception_v3",
    "InceptionV4": "model_zoo.inception_v4",
    "Xception41": "model_zoo.xception",
    "Xception65": "model_zoo.xception",
    "Xception71": "model_zoo.xception",
    "Xception41_deeplab": "model_zoo.xception_deeplab",
    "Xception65_deeplab": "model_zoo.xception_deeplab",
}


def load_ppcls_arch():
    import importlib.util

    spec = importlib.util.find_spec("paddleclas")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("paddleclas is not installed")
    root = os.path.join(list(spec.submodule_search_locations)[0], "ppcls")

    def pkg(name, path):
        m = types.ModuleType(name)
        m.__path__ = [path]
        sys.modules[name] = m
        return m

    pkg("ppcls", root)
    utils = pkg("ppcls.utils", os.path.join(root, "utils"))
    save_load = types.ModuleType("ppcls.utils.save_load")
    save_load.load_dygraph_pretrain = lambda *a, **k: None  # never downloads
    sys.modules["ppcls.utils.save_load"] = save_load
    logger = types.ModuleType("ppcls.utils.logger")
    for f in ("info", "warning", "error", "debug"):
        setattr(logger, f, lambda *a, **k: None)
    sys.modules["ppcls.utils.logger"] = logger
    utils.logger = logger
    for sub in ("arch", "arch/backbone", "arch/backbone/model_zoo",
                "arch/backbone/legendary_models", "arch/backbone/base"):
        pkg("ppcls." + sub.replace("/", "."), os.path.join(root, sub))


def randomize(sd, rng):
    for k, v in sd.items():
        a = v.numpy()
        if k.endswith("_mean"):
            a = rng.normal(0.0, 0.2, a.shape)
        elif k.endswith("_variance"):
            a = rng.uniform(0.5, 2.0, a.shape)
        elif a.ndim == 1 and k.endswith(".weight"):  # BN scale
            a = rng.uniform(0.5, 1.5, a.shape)
        elif a.ndim == 1:  # BN shift, linear and attention-conv biases
            a = rng.normal(0.0, 0.2, a.shape)
        # conv / linear weights keep Paddle's random initialisation
        v.set_value(a.astype(np.float32))


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    outdir = sys.argv[1]
    load_ppcls_arch()
    import paddle

    paddle.set_device("cpu")
    for arg in sys.argv[2:]:
        name, size = arg.split(":")
        size = int(size)
        paddle.seed(1)
        rng = np.random.default_rng(1)
        mod = importlib.import_module("ppcls.arch.backbone." + MODULES[name])
        # ParamAttr names repeat across models of a family: a fresh name scope,
        # and the previous model released first
        gc.collect()
        with paddle.utils.unique_name.guard():
            model = getattr(mod, name)()
        model.eval()
        sd = model.state_dict()
        randomize(sd, rng)
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        keys = list(sd.keys())
        for i, k in enumerate(keys):
            np.save(os.path.join(d, "p%04d.npy" % i), sd[k].numpy().astype(np.float32))
        with open(os.path.join(d, "keys.txt"), "w") as f:
            f.write("\n".join(keys) + "\n")
        x = rng.normal(0.0, 1.0, (2, 3, size, size)).astype(np.float32)
        with paddle.no_grad():
            y = model(paddle.to_tensor(x))
        if isinstance(y, (list, tuple)):
            y = y[0]
        np.save(os.path.join(d, "input.npy"), x)
        np.save(os.path.join(d, "output.npy"), y.numpy().astype(np.float32))
        del model, sd, y


if __name__ == "__main__":
    main()
