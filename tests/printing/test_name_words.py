"""Word parts of a name part (kiosk.receipts.thai_text._name_words), and that they come
from the pythainlp wheel itself: no corpus download, no network, at run time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.receipts import thai_text

REPO = Path(__file__).resolve().parents[2]


def test_a_long_surname_is_cut_between_its_names() -> None:
    words = thai_text._name_words("สุวรรณสุวรรณกุลแก้วชัยรัตน์")
    assert "".join(words) == "สุวรรณสุวรรณกุลแก้วชัยรัตน์"
    assert words[:2] == ("สุวรรณ", "สุวรรณ")
    assert all(len(w) > 1 for w in words)


def test_padding_and_lone_marks_stay_with_their_word() -> None:
    words = thai_text._name_words("มีสุขรัตน์ทองชัยย")
    assert words[0] == "มีสุข" and words[-1] == "ชัยย"  # the fewest words, longer first
    assert thai_text._name_words("กุลแก้วรัตน์์")[-1] == "รัตน์์"


def test_latin_names_and_single_words_have_no_parts() -> None:
    assert thai_text._name_words("Misukchaiprasoet") == ()
    assert thai_text._name_words("ใจดี") == ()


def test_the_wrap_keeps_word_parts_whole() -> None:
    text = "นาย ณัฐพล มีสุขชัยประเสริฐชัยวงศ์ประเสริฐกุลทองชัยทองรัตน์"
    lines = thai_text.wrap_thai(text, lambda s: thai_text.display_cells(s) <= 12)
    assert lines[0] == "นาย ณัฐพล"
    assert "".join(lines[1:]) == text.split(" ", 2)[2]
    assert all(not line.startswith(("ระ", "เสริฐ", "งศ์")) for line in lines)


def test_name_words_need_no_download_and_no_network(tmp_path: Path) -> None:
    """A fresh interpreter with sockets disabled and an empty pythainlp data directory
    segments a surname: the dictionary and name lists ship in the wheel."""
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network used')\n"
        "socket.socket = refuse\n"
        "socket.create_connection = refuse\n"
        "import json\n"
        "from kiosk.receipts import thai_text\n"
        "print(json.dumps(thai_text._name_words('สุวรรณกุลแก้วประเสริฐ'), ensure_ascii=False))\n"
    )
    env = {**os.environ, "PYTHAINLP_DATA_DIR": str(tmp_path / "pythainlp-data"),
           "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    words = json.loads(result.stdout.strip().splitlines()[-1])
    assert "".join(words) == "สุวรรณกุลแก้วประเสริฐ" and words[:2] == ["สุวรรณ", "กุล"]
    downloaded = list((tmp_path / "pythainlp-data").rglob("*"))
    assert not [p for p in downloaded if p.is_file()], downloaded
