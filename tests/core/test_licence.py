"""The project is AGPL-3.0-or-later: LICENSE holds the licence's full text as the Free Software
Foundation publishes it (agpl-3.0.txt), and NOTICE the project's copyright notice."""

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# SHA-256 of the FSF's agpl-3.0.txt (661 lines, https links). It was checked, words and
# punctuation, against a second independent copy (the SPDX licence list's AGPL-3.0-only).
FSF_SHA256 = "0d96a4ff68ad6d4b6f1f30f713b18d5184912ba8dd389f86aa7710db079abcb0"


def test_the_licence_is_the_fsf_text_whole():
    data = (ROOT / "LICENSE").read_bytes()
    lines = data.decode("utf-8").split("\n")

    assert lines[0].strip() == "GNU AFFERO GENERAL PUBLIC LICENSE"
    assert lines[1].strip() == "Version 3, 19 November 2007"
    # The section that makes it the Affero licence, and the end of the terms.
    stripped = [line.strip() for line in lines]
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in stripped
    assert "END OF TERMS AND CONDITIONS" in stripped
    assert lines[-2] == "<https://www.gnu.org/licenses/>."
    assert lines[-1] == ""  # ends with a newline
    assert len(lines) - 1 == 661
    assert hashlib.sha256(data).hexdigest() == FSF_SHA256


def test_the_notice_names_the_project_and_its_licence():
    notice = (ROOT / "NOTICE").read_text()

    assert notice.startswith("Consilium\nCopyright (C) 2026 the Consilium contributors\n")
    assert "SPDX-License-Identifier: AGPL-3.0-or-later" in notice
    assert "either\nversion 3 of the License, or (at your option) any later version." in notice


def test_the_package_declares_the_same_licence():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert project["license"] == "AGPL-3.0-or-later"
