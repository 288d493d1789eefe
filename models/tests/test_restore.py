"""spire.restore: input preparation (upsampling, padding) and clear CLI errors."""
import numpy as np
import pytest
import torch

from spire.restore import main, prepare



@pytest.fixture(autouse=True)
def _one_thread_after():
    """The CLIs set torch to all cores; give the rest of the test session its single thread back."""
    yield
    torch.set_num_threads(1)


def test_upsample_prompt_resizes_and_padding_reaches_the_multiple():
    img = np.random.default_rng(0).random((30, 45, 3), dtype=np.float32)
    x, (h, w), text = prepare(img, "upsample to 2x; denoise with sigma 0.05;", 8)
    assert (h, w) == (60, 90) and x.shape == (1, 3, 64, 96)
    assert text == "Upsample to 2.0x; Denoise with sigma 0.05;"
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    x2, (h2, w2), _ = prepare(img, "Remove all degradation", 8)
    assert (h2, w2) == (30, 45) and x2.shape == (1, 3, 32, 48)
    assert torch.allclose(x2[0, :, :30, :45], torch.from_numpy(img).permute(2, 0, 1) * 2 - 1)


def test_cli_errors_are_one_line_messages(tmp_path):
    (tmp_path / "out.png").write_bytes(b"keep")
    with pytest.raises(SystemExit, match="exists: choose another --out or pass --force"):
        main(["--run", str(tmp_path), "--image", "x.png", "--out", str(tmp_path / "out.png")])
    assert (tmp_path / "out.png").read_bytes() == b"keep"
    with pytest.raises(SystemExit, match="no config.json"):
        main(["--run", str(tmp_path), "--image", "x.png", "--out", str(tmp_path / "new.png")])
