"""Restoration prompt grammar: golden tables of text -> structure -> canonical text, and bad prompts."""
import json

import pytest

from spire import prompts
from spire.prompts import Operation, PromptError, RestorationPrompt, format_prompt, parse

B, D, N, J = "blur", "downsample", "noise", "jpeg"

# (input text, expected operations as (key, value) pairs or "BLIND", canonical text)
GOOD = [
    ("", [], ""),
    ("   ", [], ""),
    ("Remove all degradation", "BLIND", "Remove all degradation"),
    ("  remove   ALL degradation ; ", "BLIND", "Remove all degradation"),
    ("Deblur with sigma 2.0;", [(B, 2.0)], "Deblur with sigma 2.0;"),
    ("deblur with sigma 2", [(B, 2.0)], "Deblur with sigma 2.0;"),
    ("DEBLUR   WITH\tSIGMA   0.2 ;", [(B, 0.2)], "Deblur with sigma 0.2;"),
    ("Deblur with sigma 3.00;", [(B, 3.0)], "Deblur with sigma 3.0;"),
    ("Upsample to 4.0x;", [(D, 4.0)], "Upsample to 4.0x;"),
    ("upsample to 4 X", [(D, 4.0)], "Upsample to 4.0x;"),
    ("Upsample to 1x", [(D, 1.0)], "Upsample to 1.0x;"),
    ("Upsample to 6.5 x;", [(D, 6.5)], "Upsample to 6.5x;"),
    ("Denoise with sigma 0.05;", [(N, 0.05)], "Denoise with sigma 0.05;"),
    ("Denoise with sigma .1", [(N, 0.1)], "Denoise with sigma 0.10;"),
    ("Denoise with sigma 0", [(N, 0.0)], "Denoise with sigma 0.00;"),
    ("Dejpeg with quality 40;", [(J, 40.0)], "Dejpeg with quality 40;"),
    ("dejpeg with quality 92.0", [(J, 92.0)], "Dejpeg with quality 92;"),
    ("Deblur;", [(B, None)], "Deblur;"),
    ("deblur", [(B, None)], "Deblur;"),
    ("Upsample; dejpeg", [(D, None), (J, None)], "Upsample; Dejpeg;"),
    (
        "Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;",
        [(B, 2.0), (D, 4.0), (N, 0.05), (J, 40.0)],
        "Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;",
    ),
    (
        "Dejpeg with quality 40;Deblur with sigma 1.5;;Denoise",
        [(B, 1.5), (N, None), (J, 40.0)],
        "Deblur with sigma 1.5; Denoise; Dejpeg with quality 40;",
    ),
    (
        "Denoise with sigma 0.12; Upsample to 7.0x",
        [(D, 7.0), (N, 0.12)],
        "Upsample to 7.0x; Denoise with sigma 0.12;",
    ),
]


def _ops(p: RestorationPrompt):
    return "BLIND" if p.blind else [(o.key, o.value) for o in p.operations]


@pytest.mark.parametrize("text,ops,canonical", GOOD)
def test_parse_and_format_table(text, ops, canonical):
    p = parse(text)
    assert _ops(p) == ops
    assert format_prompt(p) == canonical
    # canonical text is a fixed point, and the dict form round-trips
    assert parse(canonical) == p
    assert RestorationPrompt.from_dict(json.loads(json.dumps(p.to_dict()))) == p


# (bad text, fragments that must all appear in the error message)
BAD = [
    ("Desharpen with sigma 2.0;", ["unknown operation 'Desharpen'", "Deblur, Upsample, Denoise, Dejpeg", "Remove all degradation"]),
    ("Deblur with sigma 2.0; Colorize;", ["unknown operation 'Colorize'"]),
    ("42", ["unknown operation '42'"]),
    ("Deblur with sigma 3.5;", ["Deblur sigma 3.5 is out of range", "0.2 to 3.0"]),
    ("Deblur with sigma 0.1", ["out of range", "0.2 to 3.0"]),
    ("Upsample to 8x", ["Upsample factor 8 is out of range", "1.0 to 7.0"]),
    ("Upsample to 0.5x", ["out of range", "1.0 to 7.0"]),
    ("Denoise with sigma 0.2", ["Denoise sigma 0.2 is out of range", "0.00 to 0.12"]),
    ("Denoise with sigma -0.01", ["out of range", "0.00 to 0.12"]),
    ("Dejpeg with quality 95", ["Dejpeg quality 95 is out of range", "30 to 92"]),
    ("Dejpeg with quality 29", ["out of range", "30 to 92"]),
    ("Dejpeg with quality 40.5", ["whole number", "40.5"]),
    ("Deblur with sigma 1.25", ["at most 1 decimal", "1.25"]),
    ("Denoise with sigma 0.055", ["at most 2 decimals"]),
    ("Deblur with sigma 1.0; deblur with sigma 2.0", ["Deblur is given twice"]),
    ("Deblur; Deblur with sigma 2.0", ["given twice"]),
    ("Deblur with sigma", ["malformed clause 'Deblur with sigma'", "Deblur with sigma <sigma>", "0.2 to 3.0", "'Deblur;'"]),
    ("Deblur sigma 2.0", ["malformed clause", "Deblur with sigma <sigma>"]),
    ("Upsample by 4x", ["malformed clause 'Upsample by 4x'", "Upsample to <factor>x"]),
    ("Dejpeg with quality forty", ["malformed clause", "30 to 92"]),
    ("Remove all degradation; Deblur;", ["cannot be combined"]),
]


@pytest.mark.parametrize("text,fragments", BAD)
def test_bad_prompts_table(text, fragments):
    with pytest.raises(PromptError) as err:
        parse(text)
    for frag in fragments:
        assert frag in str(err.value), (frag, str(err.value))


def test_error_names_the_offending_clause():
    with pytest.raises(PromptError) as err:
        parse("Deblur with sigma 1.0; Denoise with sigma 0.5; Dejpeg;")
    assert err.value.part == "Denoise with sigma 0.5"


def test_structured_constructor_quantizes_and_validates():
    p = RestorationPrompt.of({"jpeg": 40.4, "blur": 1.26, "noise": None})
    assert _ops(p) == [(B, 1.3), (N, None), (J, 40.0)]
    assert p.text == "Deblur with sigma 1.3; Denoise; Dejpeg with quality 40;"
    with pytest.raises(PromptError, match="out of range"):
        RestorationPrompt.of({"downsample": 9.0})
    with pytest.raises(PromptError, match="unknown operation key"):
        RestorationPrompt.of({"sharpen": 1.0})
    with pytest.raises(PromptError, match="canonical order"):
        RestorationPrompt((Operation("noise", 0.1), Operation("blur", 1.0)))
    with pytest.raises(PromptError, match="cannot be combined"):
        RestorationPrompt((Operation("blur", 1.0),), blind=True)


def test_grammar_file_matches_issue_ranges_and_order():
    g = prompts.grammar()
    assert g.keys == ("blur", "downsample", "noise", "jpeg")
    assert g.names == ("Deblur", "Upsample", "Denoise", "Dejpeg")
    ranges = {op.key: (op.param, op.min, op.max, op.decimals) for op in g.operations}
    assert ranges == {
        "blur": ("sigma", 0.2, 3.0, 1),
        "downsample": ("factor", 1.0, 7.0, 1),
        "noise": ("sigma", 0.0, 0.12, 2),
        "jpeg": ("quality", 30.0, 92.0, 0),
    }
    assert g.blind_prompt == "Remove all degradation"


def test_every_grid_value_round_trips():
    """Every value on each operation's grid formats and parses back to itself."""
    g = prompts.grammar()
    for spec in g.operations:
        step = 10 ** -spec.decimals
        n = int(round((spec.max - spec.min) / step))
        for i in range(n + 1):
            v = spec.quantize(spec.min + i * step)
            text = format_prompt(RestorationPrompt((Operation(spec.key, v),)))
            assert parse(text).operations[0].value == v, text
