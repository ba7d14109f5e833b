"""mytorch.utils.tensorboard.SummaryWriter: the event files it writes hold what PyTorch's SummaryWriter writes
for the same calls, and TensorBoard's own reader (event_accumulator) reads the values back."""
from __future__ import annotations

import io
import re
import socket
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

import mytorch  # noqa: E402
from mytorch.utils.tensorboard import SummaryWriter  # noqa: E402

WALL = 1_700_000_000.0


def figure(seed: int):
    fig = plt.figure(figsize=(2, 1.5), dpi=40)
    plt.plot(np.sin(np.arange(10) + seed))
    return fig


def log_everything(writer, T) -> None:
    """The same calls on either framework's writer (T is torch or mytorch), with fixed wall times."""
    g = np.random.default_rng(0)
    weights = g.standard_normal(1000).astype(np.float32)
    chw = g.random((3, 8, 6)).astype(np.float32)
    for step in range(3):
        writer.add_scalar("loss", T.tensor(2.5 - step), step, walltime=WALL + step)
        writer.add_scalar("lr", 0.1 / (step + 1), step, walltime=WALL + step, new_style=True)
    writer.add_histogram("weights", T.tensor(weights), 2, walltime=WALL)
    writer.add_histogram("ints", T.tensor([1, 1, 2, 5, 5, 5]), 2, walltime=WALL, bins="auto")
    writer.add_histogram("capped", weights, 2, walltime=WALL, bins=100, max_bins=12)
    writer.add_image("chw", T.tensor(chw), 1, walltime=WALL)
    writer.add_image("hwc", (chw.transpose(1, 2, 0) * 255).astype(np.uint8), 1, walltime=WALL, dataformats="HWC")
    writer.add_image("grey", T.tensor(chw[0]), 1, walltime=WALL, dataformats="HW")
    writer.add_images("batch", T.tensor(g.random((10, 1, 4, 5)).astype(np.float32)), 1, walltime=WALL)
    writer.add_images("nhwc", g.random((3, 4, 5, 3)).astype(np.float32), 1, walltime=WALL, dataformats="NHWC")
    writer.add_text("note", "hello **TensorBoard**", 4, walltime=WALL)
    writer.add_figure("figure", figure(0), 5, walltime=WALL)
    writer.add_figure("figures", [figure(1), figure(2)], 5, walltime=WALL)
    writer.add_scalars("curves", {"train": 1.5, "val": 2.0}, 6, walltime=WALL)


def events(log_dir: Path) -> dict[str, list]:
    """Every event of every event file under log_dir, by the file's folder relative to log_dir."""
    runs: dict[str, list] = {}
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        runs.setdefault(str(path.parent.relative_to(log_dir)), []).extend(EventFileLoader(str(path)).Load())
    return runs


def comparable(event) -> tuple:
    """An event as (step, wall time, values), images decoded to pixels (PNG encoders may differ)."""
    values = []
    for v in event.summary.value:
        if v.HasField("image"):
            pixels = np.asarray(Image.open(io.BytesIO(v.image.encoded_image_string)))
            values.append((v.tag, v.image.height, v.image.width, v.image.colorspace, pixels.tobytes()))
        else:
            values.append(v.SerializeToString())
    return event.step, event.wall_time if event.HasField("summary") else None, values


def test_event_files_hold_what_pytorchs_writer_writes(tmp_path):
    with SummaryWriter(tmp_path / "mine") as ours:
        log_everything(ours, mytorch)
        ours.add_hparams({"lr": 0.1, "layers": 2, "act": "relu", "bn": True}, {"hparam/acc": 0.9},
                         hparam_domain_discrete={"act": ["relu", "gelu"]}, run_name="hp", global_step=7)
    with TorchWriter(tmp_path / "theirs") as theirs:
        log_everything(theirs, torch)
        theirs.add_hparams({"lr": 0.1, "layers": 2, "act": "relu", "bn": True}, {"hparam/acc": 0.9},
                           hparam_domain_discrete={"act": ["relu", "gelu"]}, run_name="hp", global_step=7)
    mine, reference = events(tmp_path / "mine"), events(tmp_path / "theirs")
    assert sorted(mine) == sorted(reference) == [".", "curves_train", "curves_val", "hp"]
    for run in mine:
        assert len(mine[run]) == len(reference[run]), run
        for a, b in zip(mine[run], reference[run]):
            if run == "hp":  # written at the current time
                a.wall_time = b.wall_time = 0.0
            assert comparable(a) == comparable(b), (run, a, b)


def test_event_accumulator_reads_the_values_back(tmp_path):
    with SummaryWriter(tmp_path) as w:
        log_everything(w, mytorch)
    acc = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={event_accumulator.SCALARS: 0,
                                                                           event_accumulator.IMAGES: 0})
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(0, 2.5), (1, 1.5), (2, 0.5)]
    assert [e.wall_time for e in acc.Scalars("loss")] == [WALL, WALL + 1, WALL + 2]
    histo = acc.Histograms("weights")[0].histogram_value
    assert histo.num == 1000 and sum(histo.bucket) == 1000
    assert histo.min < -2.5 and histo.max > 2.5
    chw = acc.Images("chw")[0]
    assert (chw.width, chw.height, chw.step) == (6, 8, 1)
    grid = acc.Images("batch")[0]  # 10 images, 8 to a row
    assert (grid.width, grid.height) == (8 * 5, 2 * 4)
    text = acc.Tensors("note/text_summary")[0]
    assert text.step == 4 and text.tensor_proto.string_val == [b"hello **TensorBoard**"]
    assert acc.Images("figure")[0].width == 80


def test_default_log_dir_is_named_like_pytorchs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1")
    w.add_scalar("x", 1.0, 0)
    w.close()
    expected = rf"runs/[A-Z][a-z]{{2}}\d{{2}}_\d{{2}}-\d{{2}}-\d{{2}}_{re.escape(socket.gethostname())}_lr0\.1"
    assert re.fullmatch(expected, w.get_logdir())
    assert list((tmp_path / w.get_logdir()).glob("events.out.tfevents.*"))


def test_flush_close_reopen_and_purge_step(tmp_path):
    w = SummaryWriter(tmp_path, purge_step=5, filename_suffix=".x")
    w.add_scalar("a", 1.0, 5)
    w.flush()
    (first,) = tmp_path.glob("events.out.tfevents.*.x")
    assert any(e.HasField("session_log") and e.step == 5 for e in EventFileLoader(str(first)).Load())
    w.close()
    w.add_scalar("a", 2.0, 6)  # a closed writer opens a new file, as PyTorch's does
    w.close()
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 2


@pytest.mark.parametrize("bad, match", [
    (dict(img_tensor=np.zeros((3, 4))), "does not describe"),
    (dict(img_tensor=np.zeros((3, 4, 5)), dataformats="CHX"), "does not describe"),
])
def test_image_errors(bad, match, tmp_path):
    with SummaryWriter(tmp_path) as w, pytest.raises(ValueError, match=match):
        w.add_image("x", **bad)


def test_non_scalars_and_bad_hparams_are_refused(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(AssertionError, match="one element"):
            w.add_scalar("x", mytorch.ones(2))
        with pytest.raises(TypeError, match="dictionary"):
            w.add_hparams([("lr", 0.1)], {})
        with pytest.raises(ValueError, match="int, float, str, bool"):
            w.add_hparams({"opt": object()}, {"acc": 1.0})
