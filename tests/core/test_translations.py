"""Every string the code marks for translation is translated in every shipped language.

The catalogue is extracted afresh from a copy of the source, as `make messages` does, so a
string added without running it (or left untranslated or fuzzy) fails here, not in Hanoi."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

import consilium

SOURCE = Path(consilium.__file__).parent
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory, monkeypatch_module) -> Path:
    copy = tmp_path_factory.mktemp("messages") / "consilium"
    shutil.copytree(
        SOURCE, copy, ignore=shutil.ignore_patterns("locale", "static", "__pycache__", "*.pyc")
    )
    (copy / "locale").mkdir()
    monkeypatch_module.chdir(copy)
    call_command(
        "makemessages",
        locale=["fr"],
        extensions=["html", "txt", "py", "svg"],
        no_location=True,
        ignore_patterns=["*/migrations/*"],
        verbosity=0,
    )
    return copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_translates_every_marked_string(fresh_catalogue, language):
    shipped = SOURCE / "locale" / language / "LC_MESSAGES" / "django.po"
    # msgcmp counts untranslated and fuzzy entries as missing.
    result = subprocess.run(
        ["msgcmp", str(shipped), str(fresh_catalogue)], capture_output=True, text=True
    )
    missing = [line for line in result.stderr.splitlines() if "used but not defined" in line]
    assert result.returncode == 0, (
        f"{len(missing)} strings are not translated in {language}; run `make messages` and "
        "translate them:\n" + result.stderr[-3000:]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_ships_the_compiled_catalogue_of_its_source(tmp_path, language):
    """A .po edited without `make messages` would leave the server on stale translations."""
    folder = SOURCE / "locale" / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(folder / "django.po")], check=True
    )
    with compiled.open("rb") as fresh, (folder / "django.mo").open("rb") as shipped:
        assert gettext.GNUTranslations(shipped)._catalog == gettext.GNUTranslations(fresh)._catalog
