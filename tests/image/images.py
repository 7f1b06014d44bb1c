"""Test images for zoo's decoder, written by real writers, and what cv2 makes of them.

    python images.py make DIR     writes every kind of PNG / JPEG the decoder must
                                  handle (PIL, cv2 and pypng as writers), broken
                                  variants, and DIR/images.txt listing them
    python images.py refs DIR     for every file named in DIR/images.txt (files
                                  another writer - the C test's libjpeg YCCK
                                  writer - added are listed there too): what
                                  PaddleClas' DecodeImage sees, i.e.
                                  cv2.imdecode(buf, IMREAD_COLOR)[:, :, ::-1], as
                                  DIR/<file>.ref.npy (float32 H x W x 3; uint8
                                  values are exact in float32), or DIR/<file>.cv2fail
                                  when cv2 cannot decode it
    python images.py real DIR OUT for the real ImageNet JPEGs: copies nothing, writes
                                  OUT/images.txt with absolute paths (all of DIR's
                                  val-full-size, every 10th of sample-1000 plus
                                  all its grey / CMYK ones) for `refs OUT`

Used by tests/unit/test_image_decode.c (through $ZOO_PY).
"""
import io
import os
import sys

import cv2
import numpy as np
import png  # pypng: the only writer here that does Adam7 interlacing
from PIL import Image

rng = np.random.default_rng(20240917)


def smooth(h, w, c=3):
    """Natural-ish content: a smooth field plus some noise (JPEG needs both)."""
    base = rng.integers(0, 256, (h // 6 + 2, w // 6 + 2, c), dtype=np.uint8)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC).reshape(h, w, c).astype(np.int16)
    img += rng.integers(-12, 13, img.shape, dtype=np.int16)
    return np.clip(img, 0, 255).astype(np.uint8)


def pil_bytes(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def cv2_bytes(ext, arr_bgr, params=()):
    ok, buf = cv2.imencode(ext, arr_bgr, list(params))
    assert ok, ext
    return buf.tobytes()


def pypng_bytes(rows, **kw):
    b = io.BytesIO()
    png.Writer(**kw).write(b, rows)
    return b.getvalue()


def exif_le(orientation):
    ex = Image.Exif()
    ex[0x0112] = orientation
    return ex.tobytes()


def exif_be(orientation):
    """A big-endian ("MM") TIFF block with IFD0 = {Orientation}, after "Exif\\0\\0"."""
    ifd = (1).to_bytes(2, "big") + (0x0112).to_bytes(2, "big") + (3).to_bytes(2, "big") + \
        (1).to_bytes(4, "big") + orientation.to_bytes(2, "big") + b"\0\0" + (0).to_bytes(4, "big")
    return b"Exif\0\0" + b"MM\0\x2a" + (8).to_bytes(4, "big") + ifd


def make(out):
    os.makedirs(out, exist_ok=True)
    files = {}
    rgb = smooth(37, 53)
    rgb_big = smooth(251, 333)
    a = rng.integers(0, 256, rgb.shape[:2], dtype=np.uint8)
    grey = rgb[:, :, 1].copy()
    # ---- PNG, 8-bit
    files["png_rgb8.png"] = pil_bytes(Image.fromarray(rgb), "PNG")
    files["png_rgba8.png"] = pil_bytes(Image.fromarray(np.dstack([rgb, a])), "PNG")
    files["png_grey8.png"] = pil_bytes(Image.fromarray(grey), "PNG")
    files["png_grey_alpha8.png"] = pil_bytes(Image.fromarray(np.dstack([grey, a]), "LA"), "PNG")
    files["png_palette.png"] = pil_bytes(Image.fromarray(rgb).quantize(64), "PNG")
    files["png_palette_trns.png"] = pil_bytes(Image.fromarray(rgb).quantize(16), "PNG", transparency=3)
    files["png_grey_trns.png"] = pil_bytes(Image.fromarray(grey), "PNG", transparency=100)
    files["png_grey1.png"] = pil_bytes(Image.fromarray(grey > 128), "PNG")
    for bd in (2, 4):
        g = (grey >> (8 - bd)).tolist()
        files[f"png_grey{bd}.png"] = pypng_bytes(g, width=grey.shape[1], height=grey.shape[0],
                                                 greyscale=True, bitdepth=bd)
    files["png_1x1.png"] = pil_bytes(Image.fromarray(rgb[:1, :1]), "PNG")
    files["png_1x9.png"] = pil_bytes(Image.fromarray(rgb[:9, :1].copy()), "PNG")
    files["png_big.png"] = pil_bytes(Image.fromarray(rgb_big), "PNG")
    # ---- PNG, 16-bit (cv2 writes 16-bit BGR / grey / BGRA; pypng grey + alpha)
    a16 = rng.integers(0, 65536, (21, 17, 4), dtype=np.uint16)
    files["png_rgb16.png"] = cv2_bytes(".png", a16[:, :, :3])
    files["png_rgba16.png"] = cv2_bytes(".png", a16)
    files["png_grey16.png"] = cv2_bytes(".png", a16[:, :, 0])
    files["png_grey_alpha16.png"] = pypng_bytes(a16[:, :, :2].reshape(21, -1).tolist(), width=17, height=21,
                                                greyscale=True, alpha=True, bitdepth=16)
    # ---- PNG, Adam7 interlaced (pypng)
    files["png_interlaced_rgb8.png"] = pypng_bytes(rgb.reshape(37, -1).tolist(), width=53, height=37,
                                                   greyscale=False, bitdepth=8, interlace=True)
    files["png_interlaced_rgba16.png"] = pypng_bytes(a16.reshape(21, -1).tolist(), width=17, height=21,
                                                     greyscale=False, alpha=True, bitdepth=16, interlace=True)
    pal = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(16)]
    idx = rng.integers(0, 16, (13, 11))
    files["png_interlaced_palette4.png"] = pypng_bytes(idx.tolist(), width=11, height=13, palette=pal,
                                                       bitdepth=4, interlace=True)
    files["png_interlaced_grey1.png"] = pypng_bytes((idx & 1).tolist(), width=11, height=13, greyscale=True,
                                                    bitdepth=1, interlace=True)
    # ---- PNG with an eXIf orientation (cv2 applies it to PNGs too)
    for o in range(1, 9):
        files[f"png_exif_o{o}.png"] = pil_bytes(Image.fromarray(rgb), "PNG", exif=exif_le(o))
    # ---- JPEG
    im = Image.fromarray(rgb)
    files["jpeg_baseline420.jpg"] = pil_bytes(im, "JPEG", quality=90)
    files["jpeg_baseline444.jpg"] = pil_bytes(im, "JPEG", quality=90, subsampling=0)
    files["jpeg_baseline422.jpg"] = pil_bytes(im, "JPEG", quality=90, subsampling=1)
    bgr = rgb[:, :, ::-1]
    for name, sf in (("411", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_411), ("440", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_440)):
        files[f"jpeg_cv2_{name}.jpg"] = cv2_bytes(".jpg", bgr, (cv2.IMWRITE_JPEG_SAMPLING_FACTOR, sf))
    files["jpeg_restart.jpg"] = cv2_bytes(".jpg", bgr, (cv2.IMWRITE_JPEG_RST_INTERVAL, 2))
    files["jpeg_optimized.jpg"] = pil_bytes(im, "JPEG", quality=75, optimize=True)
    files["jpeg_progressive.jpg"] = pil_bytes(im, "JPEG", quality=80, progressive=True)
    files["jpeg_cv2_progressive.jpg"] = cv2_bytes(".jpg", bgr, (cv2.IMWRITE_JPEG_PROGRESSIVE, 1))
    files["jpeg_grey.jpg"] = pil_bytes(Image.fromarray(grey), "JPEG", quality=85)
    files["jpeg_grey_progressive.jpg"] = pil_bytes(Image.fromarray(grey), "JPEG", quality=85, progressive=True)
    files["jpeg_cmyk.jpg"] = pil_bytes(im.convert("CMYK"), "JPEG", quality=90)  # Adobe, inverted
    cmyk = Image.fromarray(np.dstack([rgb, a]), "CMYK")  # arbitrary K too
    files["jpeg_cmyk_k.jpg"] = pil_bytes(cmyk, "JPEG", quality=90)
    files["jpeg_1x1.jpg"] = pil_bytes(Image.fromarray(rgb[:1, :1]), "JPEG")
    files["jpeg_17x9.jpg"] = pil_bytes(Image.fromarray(rgb[:9, :17].copy()), "JPEG")  # partial MCUs
    files["jpeg_big.jpg"] = pil_bytes(Image.fromarray(rgb_big), "JPEG", quality=92)
    for o in range(1, 9):
        files[f"jpeg_exif_o{o}.jpg"] = pil_bytes(im, "JPEG", quality=95, exif=exif_le(o))
        files[f"jpeg_exif_be_o{o}.jpg"] = pil_bytes(im, "JPEG", quality=95, exif=exif_be(o))
    files["jpeg_exif_o9_invalid.jpg"] = pil_bytes(im, "JPEG", quality=95, exif=exif_le(9))
    files["jpeg_progressive_exif_o6.jpg"] = pil_bytes(Image.fromarray(rgb_big), "JPEG", progressive=True,
                                                      exif=exif_le(6))
    # ---- broken or foreign files: whatever cv2 says, zoo must say too
    good_j = files["jpeg_baseline420.jpg"]
    good_p = files["jpeg_progressive.jpg"]
    good_png = files["png_rgb8.png"]
    for frac in (0.05, 0.3, 0.6, 0.95):
        files[f"bad_jpeg_trunc{int(frac * 100)}.jpg"] = good_j[:int(len(good_j) * frac)]
        files[f"bad_jpeg_prog_trunc{int(frac * 100)}.jpg"] = good_p[:int(len(good_p) * frac)]
        files[f"bad_png_trunc{int(frac * 100)}.png"] = good_png[:int(len(good_png) * frac)]
    files["bad_jpeg_no_eoi.jpg"] = good_j[:-2]
    files["bad_png_no_iend.png"] = good_png[:-12]
    b = bytearray(good_png)
    b[len(b) // 2] ^= 0xFF
    files["bad_png_flipped_byte.png"] = bytes(b)
    b = bytearray(good_png)
    b[29] ^= 0x01  # inside IHDR: CRC mismatch on a critical chunk
    files["bad_png_ihdr_crc.png"] = bytes(b)
    b = bytearray(good_j)
    b[200:230] = rng.integers(0, 256, 30, dtype=np.uint8).tobytes()
    files["bad_jpeg_garbage_header.jpg"] = bytes(b)
    b = bytearray(good_j)
    b[-200:-180] = bytes(20)
    files["bad_jpeg_zeroed_data.jpg"] = bytes(b)
    files["bad_jpeg_soi_only.jpg"] = b"\xff\xd8\xff"
    files["bad_png_sig_only.png"] = b"\x89PNG\r\n\x1a\n"
    files["bad_empty.jpg"] = b""
    files["bad_text.jpg"] = b"this is not an image\n"
    files["bad_random.png"] = rng.integers(0, 256, 300, dtype=np.uint8).tobytes()
    files["bad_bmp.bmp"] = cv2_bytes(".bmp", bgr)  # cv2 reads BMP; zoo does not (test expects that)
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "images.txt"), "w") as f:
        for name in files:
            f.write(name + "\n")


def refs(out):
    with open(os.path.join(out, "images.txt")) as f:
        names = [l.strip() for l in f if l.strip()]
    for name in names:
        path = name if os.path.isabs(name) else os.path.join(out, name)
        data = np.fromfile(path, dtype=np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        base = os.path.join(out, os.path.basename(name))
        if img is None:
            open(base + ".cv2fail", "w").close()
        else:
            np.save(base + ".ref.npy", np.ascontiguousarray(img[:, :, ::-1]).astype(np.float32))


def real(imagenet, out):
    os.makedirs(out, exist_ok=True)
    paths = []
    vf = os.path.join(imagenet, "val-full-size")
    if os.path.isdir(vf):
        paths += [os.path.join(vf, n) for n in sorted(os.listdir(vf))]
    sd = os.path.join(imagenet, "sample-1000")
    if os.path.isdir(sd):
        for i, n in enumerate(sorted(os.listdir(sd))):
            p = os.path.join(sd, n)
            with Image.open(p) as im:
                mode = im.mode
            if i % 10 == 0 or mode not in ("RGB",):
                paths.append(p)
    with open(os.path.join(out, "images.txt"), "w") as f:
        for p in paths:
            f.write(os.path.abspath(p) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2])
    elif cmd == "refs":
        refs(sys.argv[2])
    elif cmd == "real":
        real(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: images.py make|refs DIR | real IMAGENET_DIR OUT")
