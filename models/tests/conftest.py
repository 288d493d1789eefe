"""Shared test setup: make `spire` importable and locate the shared read-only data."""
import os
import sys
from pathlib import Path

import pytest

MODELS_DIR = Path(__file__).resolve().parents[1]
if str(MODELS_DIR) not in sys.path:
    sys.path.insert(0, str(MODELS_DIR))

SHARED = Path(os.environ.get("SPIRE_SHARED", MODELS_DIR.parents[1] / "shared"))
DATASETS = SHARED / "datasets"
CLIP_REF = SHARED / "reference" / "clip-tokenizer"


@pytest.fixture(scope="session")
def datasets_root() -> Path:
    if not (DATASETS / "README.md").exists():
        pytest.skip(f"shared datasets not found at {DATASETS} (set SPIRE_SHARED)")
    return DATASETS


@pytest.fixture(scope="session")
def clip_reference() -> Path:
    if not (CLIP_REF / "clip_tokenizer_golden.json").exists():
        pytest.skip(f"CLIP reference not found at {CLIP_REF} (set SPIRE_SHARED)")
    return CLIP_REF
