"""Provenance: what the file itself declares about how it was made.

A C2PA manifest or an IPTC digital-source-type marker saying "trained
algorithmic media" or "composite" is the creator's own declaration, the
strongest evidence test 1 can get. A *valid* C2PA credential saying
"digital capture" is evidence the other way. Files that say nothing make
this signal abstain: most images on a platform have had their metadata
stripped, so silence proves nothing.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import c2pa

from service.media.decode import DecodedImage
from service.media.signal import Judgement, MediaContext, MediaSignal, Role

# IPTC NewsCodes digital source types (cv.iptc.org/newscodes/digitalsourcetype)
SYNTHETIC = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
        "composite",
        "digitalCreation",
    }
)
CAPTURE = frozenset({"digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print"})
_SOURCE_TYPE = re.compile(r"digitalsourcetype/([A-Za-z]+)")
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def source_types(text: str) -> list[str]:
    return _SOURCE_TYPE.findall(text)


def read_c2pa(image: DecodedImage) -> tuple[dict[str, Any], str] | None:
    """The manifest store as JSON and its validation state, or None when the
    file carries no manifest. Cheap for the common case: no JUMBF box, no call."""
    if b"jumb" not in image.raw and b"c2pa" not in image.raw:
        return None
    try:
        with c2pa.Reader(_MIME[image.format], io.BytesIO(image.raw)) as reader:
            store = json.loads(reader.json())
            state = str(reader.get_validation_state() or store.get("validation_state") or "Unknown")
    except Exception:  # c2pa raises for "no manifest" and for damaged ones alike
        return None
    return store, state


class Provenance(MediaSignal):
    name = "provenance"
    version = "1"
    role = Role.decisive

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        declared: list[tuple[str, str]] = [(t, "IPTC/XMP") for t in source_types(image.xmp or "")]
        manifest = read_c2pa(image)
        valid = False
        if manifest is not None:
            store, state = manifest
            valid = state.lower() in {"valid", "trusted"}
            declared += [(t, f"C2PA ({state})") for t in source_types(json.dumps(store))]
        synthetic = [(t, src) for t, src in declared if t in SYNTHETIC]
        capture = [(t, src) for t, src in declared if t in CAPTURE]
        evidence = {"declared": [{"source_type": t, "where": src} for t, src in declared]}
        if synthetic:
            t, src = synthetic[0]
            return Judgement(1.0, (f"the file declares itself {t} ({src})",), evidence)
        if capture and valid:
            t, src = capture[0]
            return Judgement(0.0, (f"a valid content credential declares a {t} ({src})",), evidence)
        if capture:
            t, src = capture[0]
            return Judgement(None, (f"declares {t} ({src}) but no valid credential backs it",), evidence)
        return Judgement(None, ("no provenance declared (no C2PA manifest, no IPTC source type)",), evidence)
