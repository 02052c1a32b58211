"""``python -m kiosk prompts check|script|build``: the prompt pack of the spoken guidance.

- ``check``: every key the kiosk can say (screens, messages, catalogue, spliced words) in
  both locales against the pack: lists clips missing, out of date (text changed since
  recorded) or unreadable; exit 1 if any, 0 when complete.
- ``script``: the voice artist's recording script (CSV: locale, key, text, where it is
  heard, screenshot, file to record, and who speaks the current clip / stand-in).
- ``build``: build or bring up to date the espeak-ng stand-in pack (``--pack DIR``).

The pack is ``[audio] pack_dir`` (default ``<state_dir>/prompts``) unless ``--pack``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from kiosk.config import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("prompts", help="check the prompt pack, write the recording "
                            "script, build the stand-in pack")
    parser.add_argument("action", choices=("check", "script", "build"))
    parser.add_argument("--pack", type=Path, help="the pack's directory (default: config)")
    parser.add_argument("--out", type=Path, help="script: write here (default: stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.app import prompt_pack_dir, speech_lexicon
    from kiosk.audio.pack import PackError, PromptPack, check

    settings = load_settings(args.config)
    lexicon = speech_lexicon(settings)
    root = args.pack or prompt_pack_dir(settings)
    if args.action == "build":
        from kiosk.audio.standin import build_standin

        pack = build_standin(root, lexicon, speed=settings.audio.speech_speed)
        total = sum(len(c) for c in pack.clips.values())
        print(f"{root}: stand-in pack with {total} clips ({pack.rate} Hz)")
        return 0
    try:
        pack = PromptPack.load(root)
    except PackError as exc:
        if args.action == "check":
            print(f"no prompt pack: {exc}", file=sys.stderr)
        pack = None
    if args.action == "script":
        return _script(lexicon, pack, args.out)
    problems = check(pack, lexicon)
    keys = sum(len(lexicon.keys(loc)) for loc in ("th", "en"))
    if problems:
        print(f"{root}: {len(problems)} of {keys} clips missing or out of date", file=sys.stderr)
        print("locale\tkey\tproblem\ttext", file=sys.stderr)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    stand_in = [loc for loc, flag in (pack.stand_in.items() if pack else ()) if flag]
    note = f" (stand-in voice: {', '.join(stand_in)})" if stand_in else ""
    print(f"{root}: all {keys} clips present and up to date{note}")
    return 0


def _script(lexicon, pack, out: Path | None) -> int:  # type: ignore[no-untyped-def]
    stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        writer = csv.writer(stream)
        writer.writerow(["locale", "key", "text", "where_heard", "screenshot", "file",
                         "current_clip"])
        for loc in ("th", "en"):
            for key in lexicon.keys(loc):
                entry = lexicon.entries[(loc, key)]
                current = "missing"
                if pack is not None and pack.has(loc, key):
                    current = ("stand-in: " if pack.stand_in.get(loc) else "") + \
                        (pack.voice.get(loc) or "recorded")
                writer.writerow([loc, key, entry.text, entry.where, entry.screenshot or "",
                                 f"{loc}/{key}.wav", current])
    finally:
        if out:
            stream.close()
    return 0
