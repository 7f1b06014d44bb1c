#!/usr/bin/env python3
"""tests/fetch/make_fixtures.py - real source files for the `zoo fetch` tests, written by Paddle.

  $PY tests/fetch/make_fixtures.py OUTDIR

GhostNet_x0_5 (the smallest registered model, 2.6 M parameters) is built with PaddleClas' own
model code (through tests/golden/gen.py's importer) with Paddle's default initialisation under
paddle.seed(20240611), then saved three ways:
  GhostNet_x0_5_pretrained.pdparams      paddle.save(state_dict)  (pickle protocol 4)
  GhostNet_x0_5_pretrained_p2.pdparams   the same state dict, protocol 2 (other bytes, same model)
  GhostNet_x0_5_infer.tar                paddle.jit.save inference model under GhostNet_x0_5_infer/
Idempotent: OUTDIR/stamp records this script's hash and Paddle's version; the files are written
to a temporary directory and renamed into place.
"""
import hashlib
import os
import shutil
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = "GhostNet_x0_5"
FILES = [MODEL + "_pretrained.pdparams", MODEL + "_pretrained_p2.pdparams", MODEL + "_infer.tar"]


def main():
    out = os.path.abspath(sys.argv[1])
    import paddle

    with open(os.path.abspath(__file__), "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest() + " paddle " + paddle.__version__
    sp = os.path.join(out, "stamp")
    if os.path.exists(sp) and open(sp).read() == stamp and all(
            os.path.exists(os.path.join(out, x)) for x in FILES):
        return
    sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
    import gen  # tests/golden/gen.py: imports PaddleClas' model code without its package chain

    paddle.seed(20240611)
    net = gen.build_paddleclas_model(MODEL)
    net.eval()
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    sd = net.state_dict()
    paddle.save(sd, os.path.join(tmp, FILES[0]))
    paddle.save(sd, os.path.join(tmp, FILES[1]), protocol=2)
    from paddle.static import InputSpec

    inf = os.path.join(tmp, MODEL + "_infer")
    paddle.jit.save(net, os.path.join(inf, "inference"),
                    input_spec=[InputSpec([None, 3, 224, 224], "float32")])
    with tarfile.open(os.path.join(tmp, FILES[2]), "w", format=tarfile.USTAR_FORMAT) as t:
        t.add(inf, arcname=MODEL + "_infer")
    shutil.rmtree(inf)
    with open(os.path.join(tmp, "stamp"), "w") as f:
        f.write(stamp)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


if __name__ == "__main__":
    main()
