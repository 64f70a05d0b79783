"""Language identification: packaged model, no downloads, sane on short text."""

from __future__ import annotations

import pytest

from service.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The vaccine does not change your DNA, say researchers at the CDC", "en"),
        ("La vacuna no cambia tu ADN, dicen los investigadores de los CDC", "es"),
        ("Der Impfstoff verändert nicht deine DNA, sagen Forscher", "de"),
        ("वैक्सीन आपके डीएनए को नहीं बदलती है, शोधकर्ताओं ने कहा", "hi"),
        ("Вакцина не меняет вашу ДНК, говорят исследователи", "ru"),
    ],
)
def test_detects_common_languages(text: str, lang: str) -> None:
    assert detect_language(text)[0] == lang


def test_short_latin_text_defaults_to_english_but_other_scripts_do_not() -> None:
    assert detect_language("lol")[0] == "en"
    assert detect_language("хорошо")[0] in ("ru", "uk", "und")
    assert detect_language("https://t.co/x @bob 🙏")[0] == "und"
