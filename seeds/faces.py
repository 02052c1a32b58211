"""The synthetic card photos: a drawn face per citizen, a JPEG that fits the card's photo
area (`PHOTO_LIMIT` bytes). Deterministic: each face has its own seed."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from seeds.pools import PHOTO_LIMIT

SKIN = [(241, 204, 170), (224, 182, 140), (198, 152, 110), (172, 126, 88), (232, 190, 160)]
HAIR = [(25, 20, 18), (45, 32, 25), (70, 50, 35), (15, 15, 15)]
SHIRTS = [(240, 240, 240), (30, 60, 120), (120, 30, 40), (40, 100, 60), (200, 170, 60),
          (90, 90, 110), (220, 120, 50)]  # fmt: skip


def draw_face(seed: int, female: bool, age: int) -> bytes:
    rng = random.Random(seed)
    w, h = 120, 150
    bg = (rng.randint(175, 215), rng.randint(195, 230), rng.randint(225, 250))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    skin = rng.choice(SKIN)
    grey = age >= 60 and rng.random() < 0.8
    hair = (150, 150, 150) if grey else rng.choice(HAIR)
    shirt = rng.choice(SHIRTS)
    cx = w // 2 + rng.randint(-4, 4)
    face_w, face_h = rng.randint(46, 56), rng.randint(58, 68)
    top = 28 + rng.randint(-3, 3)
    # hair behind the head (long for most women)
    if female and rng.random() < 0.8:
        box = (cx - face_w // 2 - 9, top - 6, cx + face_w // 2 + 9, top + face_h + 30)
        d.rounded_rectangle(box, radius=18, fill=hair)
    # shirt and neck
    d.pieslice((cx - 60, 118, cx + 60, 210), 180, 360, fill=shirt)
    d.rectangle((cx - 10, top + face_h - 8, cx + 10, 126), fill=skin)
    if rng.random() < 0.5:  # collar
        d.polygon([(cx - 14, 120), (cx, 134), (cx + 14, 120)], fill=(250, 250, 250))
    # head, ears
    d.ellipse((cx - face_w // 2 - 5, top + 24, cx - face_w // 2 + 5, top + 40), fill=skin)
    d.ellipse((cx + face_w // 2 - 5, top + 24, cx + face_w // 2 + 5, top + 40), fill=skin)
    d.ellipse((cx - face_w // 2, top, cx + face_w // 2, top + face_h), fill=skin)
    # hair on top
    bald = not female and age > 55 and rng.random() < 0.3
    if not bald:
        box = (cx - face_w // 2 - 2, top - 8, cx + face_w // 2 + 2, top + 30)
        d.chord(box, 180, 360, fill=hair)
    # eyes, brows, nose, mouth
    eye_y = top + face_h * 0.45
    for side in (-1, 1):
        ex = cx + side * face_w * 0.2
        d.ellipse((ex - 4, eye_y - 2.5, ex + 4, eye_y + 2.5), fill=(255, 255, 255))
        d.ellipse((ex - 2, eye_y - 2, ex + 2, eye_y + 2), fill=(30, 25, 20))
        d.line((ex - 5, eye_y - 7, ex + 5, eye_y - 8 + rng.randint(0, 2)), fill=hair, width=2)
    d.line((cx, eye_y + 4, cx - 2, eye_y + 13), fill=(150, 100, 80), width=1)
    mouth_y = top + face_h * 0.74
    d.arc((cx - 9, mouth_y - 5, cx + 9, mouth_y + 4), 20, 160, fill=(150, 60, 60), width=2)
    if rng.random() < 0.15:  # glasses
        for side in (-1, 1):
            ex = cx + side * face_w * 0.2
            d.ellipse((ex - 8, eye_y - 6, ex + 8, eye_y + 6), outline=(40, 40, 40), width=1)
    for quality in range(70, 9, -5):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        if len(out.getvalue()) <= PHOTO_LIMIT:
            return out.getvalue()
    raise RuntimeError("photo does not fit the card's photo area")
