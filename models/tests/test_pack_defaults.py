"""Manifest `defaults` (the run settings a pack recommends): pack.check_defaults and build_manifest."""
import pytest

from helpers import tiny_config
from spire import pack

COMPACT = {"useRestorer": True, "strength": 0.25, "steps": 20, "guidanceScale": 3, "scheduler": "ddim", "colorFix": "wavelet"}


def test_accepts_every_documented_key():
    full = dict(COMPACT, eta=0.5, restorerViews=8, colorFixLevels=3)
    assert pack.check_defaults(full, has_restorer=True) == full
    assert pack.check_defaults({"strength": 0, "useRestorer": True}, has_restorer=True) == {"strength": 0, "useRestorer": True}


@pytest.mark.parametrize("defaults, has_restorer, words", [
    ({"stepz": 20}, True, "defaults.stepz is not a setting"),
    ({"steps": 0}, True, "defaults.steps must be a whole number from 1 to 500"),
    ({"steps": 20.5}, True, "defaults.steps must be a whole number"),
    ({"strength": 1.5}, True, "defaults.strength must be a number from 0 to 1"),
    ({"useRestorer": 1}, True, "defaults.useRestorer must be true or false"),
    ({"scheduler": "euler"}, True, "defaults.scheduler must be"),
    ({"restorerViews": 3}, True, "defaults.restorerViews must be 1, 2, 4 or 8"),
    ({"restorerViews": True}, True, "defaults.restorerViews must be 1, 2, 4 or 8"),
    ({"colorFixLevels": 0}, True, "defaults.colorFixLevels must be a whole number from 1 to 8"),
    ({"colorFixLevels": 3.5}, True, "defaults.colorFixLevels must be a whole number from 1 to 8"),
    ({"useRestorer": True}, False, "the pack has no restorer"),
    ({"strength": 0}, True, "needs defaults.useRestorer true"),
    ([20], True, "defaults must be a JSON object"),
])
def test_refuses_bad_defaults_naming_the_key(defaults, has_restorer, words):
    with pytest.raises(ValueError, match=words):
        pack.check_defaults(defaults, has_restorer)


def test_build_manifest_writes_defaults_only_when_given():
    cfg = tiny_config("additive")
    components = {"restorer": pack.component("restorer/model.onnx", [], [])}
    with_defaults = pack.build_manifest(cfg, components, [], {}, {}, {}, defaults=COMPACT)
    assert with_defaults["defaults"] == COMPACT and with_defaults["hasRestorer"] is True
    assert "defaults" not in pack.build_manifest(cfg, components, [], {}, {}, {})
    with pytest.raises(ValueError, match="no restorer"):
        pack.build_manifest(cfg, {}, [], {}, {}, {}, defaults={"useRestorer": True})
