"""Training-image loaders: only training splits, crop sizes, captions, determinism."""
import numpy as np
import pytest

from spire import datasets as DS
from spire.datasets import EvaluationDataError, TrainingImages


@pytest.fixture(scope="module")
def records(datasets_root):
    return DS.list_training_images(datasets_root)


def test_set_counts(records):
    counts = {}
    for r in records:
        counts[r.set_name] = counts.get(r.set_name, 0) + 1
    assert counts == {"bsds500-train": 200, "bsds500-val432": 32, "t91": 91, "sun-hays80": 80, "coco-train2017": 80}


def test_no_evaluation_image_is_ever_listed(records, datasets_root):
    root = datasets_root.resolve()
    eval_dirs = [(root / d).resolve() for d in DS.EVALUATION_DIRS]
    cbsd68 = {p.stem for p in (root / "CBSD68").iterdir()}
    assert len(cbsd68) == 68
    for r in records:
        assert not any(str(r.path).startswith(str(d) + "/") for d in eval_dirs), r.path
        if r.set_name.startswith("bsds500"):
            assert r.path.stem not in cbsd68, r.path
    # the same picture under another name: BSDS val ids of CBSD68 images never appear
    listed = {r.path.stem for r in records if r.set_name == "bsds500-val432"}
    val_all = {p.stem for p in (root / "BSDS500" / "val").glob("*.jpg")}
    assert listed == val_all - cbsd68


@pytest.mark.parametrize(
    "relative",
    ["Kodak24/kodim01.png", "CBSD68/3096.png", "McMaster/1.tif", "Set5/HR/baby.png", "Set14/zebra.png",
     "COCO_captioned/val2017", "BSDS500/test", "BSDS500/val/3096.jpg", "RealSRSet+5images/dog.png", "README.md"],
)
def test_check_training_path_refuses_evaluation_and_unknown_paths(datasets_root, relative):
    path = datasets_root / relative
    if path.is_dir():
        path = sorted(path.iterdir())[0]
    assert path.exists(), path
    with pytest.raises(EvaluationDataError):
        DS.check_training_path(path, datasets_root)


def test_check_training_path_sees_through_dot_dot(datasets_root):
    sneaky = datasets_root / "T91" / ".." / "Kodak24" / "kodim01.png"
    with pytest.raises(EvaluationDataError, match="Kodak24"):
        DS.check_training_path(sneaky, datasets_root)


@pytest.mark.parametrize("name", ["kodak24", "CBSD68", "bsds500-test", "coco-val2017"])
def test_unknown_or_evaluation_set_names_are_refused(datasets_root, name):
    with pytest.raises(EvaluationDataError, match="training sets are"):
        DS.list_training_images(datasets_root, sets=[name])


def test_coco_records_carry_their_captions(records):
    coco = [r for r in records if r.set_name == "coco-train2017"]
    assert all(len(r.captions) == 5 for r in coco)
    assert all(r.captions == () for r in records if r.set_name != "coco-train2017")


def test_min_size_filter(datasets_root):
    small = DS.list_training_images(datasets_root, sets=["t91"], min_size=0)
    big = DS.list_training_images(datasets_root, sets=["t91"], min_size=200)
    assert 0 < len(big) < len(small) == 91


def test_random_crop_and_flip():
    img = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    r = np.random.default_rng(0)
    tops = set()
    for _ in range(200):
        c = DS.random_crop(img, 4, r)
        assert c.shape == (4, 4, 3)
        tops.add(int(c[0, 0, 0]))
    assert len(tops) > 20  # many distinct positions
    flips = [DS.random_flip(img, r) for _ in range(200)]
    n_flipped = sum(np.array_equal(f, img[:, ::-1]) for f in flips)
    assert 60 < n_flipped < 140
    with pytest.raises(ValueError, match="smaller than the crop"):
        DS.random_crop(img, 11, r)


def test_dataset_crops_captions_and_determinism(datasets_root):
    ds = TrainingImages(datasets_root, sets=["coco-train2017", "t91"], crop_size=64, seed=5)
    assert len(ds) == len(ds.records)
    idx = [0, 1, len(ds) - 1]  # first two are COCO (sorted by set order), last is T91
    a = [ds[i] for i in idx]
    b = [ds[i] for i in idx]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x["clean"], y["clean"])
        np.testing.assert_array_equal(x["degraded"], y["degraded"])
        assert x["restoration_prompt"] == y["restoration_prompt"] and x["semantic_prompt"] == y["semantic_prompt"]
        assert x["clean"].shape == (64, 64, 3) and x["degraded"].shape == (64, 64, 3)
        assert x["clean"].dtype == np.float32
    coco = ds.records[0]
    assert a[0]["set"] == "coco-train2017"
    assert a[0]["semantic_prompt"] in coco.captions + ("",)
    assert a[2]["set"] == "t91" and a[2]["semantic_prompt"] == ""
    ds.set_epoch(1)
    c = ds[0]
    assert not np.array_equal(c["clean"], a[0]["clean"])  # new epoch, new crop


def test_dataset_without_degradation_and_repeat(datasets_root):
    ds = TrainingImages(datasets_root, sets=["sun-hays80"], crop_size=96, degrade=False, repeat=3, seed=1)
    assert len(ds) == 3 * 80
    s0, s80 = ds[0], ds[80]
    assert set(s0) == {"clean", "semantic_prompt", "path", "set"}
    assert s0["path"] == s80["path"] and not np.array_equal(s0["clean"], s80["clean"])
    with pytest.raises(IndexError):
        ds[len(ds)]
