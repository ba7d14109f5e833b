"""The ``Summary`` protocol buffers TensorBoard reads, built from tensors, NumPy arrays or numbers.

Each function returns one ``tensorboard.compat.proto.summary_pb2.Summary`` (``hparams`` returns three);
``writer.py`` wraps them in events and writes them. What each holds:

- scalar: ``simple_value = float(x)`` (or, new style, a one-element float/double TensorProto of the
  "scalars" plugin);
- histogram: count, min, max, sum, sum of squares, and the non-empty run of buckets: ``bucket[i]`` counts
  the values ``v`` with ``limit[i-1] < v <= limit[i]`` (TensorBoard's convention). ``bins="tensorflow"``
  uses TensorFlow's default limits: ``±1e-12 * 1.1^k`` up to ``1e20``, and 0;
- image: a PNG of an HWC uint8 image (floats are taken to lie in [0, 1] and scaled by 255);
- text: a string tensor of the "text" plugin;
- hparams: the hparams plugin's experiment, session-start and session-end records.

Host arrays are TensorBoard's currency (its protos are filled from NumPy arrays, as PyTorch's writer fills
them), so this module is one of the NumPy edges of tests/test_layering.py.
"""
from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ..._tensor import Tensor


def make_np(x: Any) -> np.ndarray:
    """`x` (a tensor, an array, a number or a list) as a NumPy array; half types become float32."""
    if isinstance(x, Tensor):
        x = x.detach()
        if x.dtype.is_floating_point and x.dtype.itemsize == 2:
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def scalar(tag: str, value: Any, new_style: bool = False, double_precision: bool = False) -> Summary:
    """A Summary holding one scalar value under `tag`."""
    array = make_np(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: {array.size} "
                             f"and {array.ndim} dimensions.")
    v = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=v)])
    proto = (TensorProto(double_val=[v], dtype="DT_DOUBLE") if double_precision
             else TensorProto(float_val=[v], dtype="DT_FLOAT"))
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=proto, metadata=metadata)])


def _tensorflow_limits() -> np.ndarray:
    """TensorFlow's default histogram bucket edges, symmetric about 0."""
    positive = [1e-12]
    while positive[-1] < 1e20:
        positive.append(positive[-1] * 1.1)
    return np.array([-v for v in reversed(positive)] + [0.0] + positive)


def histogram(tag: str, values: Any, bins: Any = "tensorflow", max_bins: int | None = None) -> Summary:
    """A Summary holding a histogram of `values` (TensorBoard's default bucket edges unless `bins`)."""
    v = make_np(values).astype(np.float64).ravel()
    if v.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    counts, limits = np.histogram(v, bins=_tensorflow_limits() if bins == "tensorflow" else bins)
    if max_bins is not None and len(counts) > max_bins:
        # merge runs of len // max_bins neighbouring buckets (PyTorch's rule, which can leave a few more
        # than max_bins)
        group = len(counts) // max_bins
        counts = np.add.reduceat(counts, np.arange(0, len(counts), group))
        limits = np.append(limits[:-1:group], limits[-1])
    nonzero = np.flatnonzero(counts)
    first, last = (nonzero[0], nonzero[-1]) if len(nonzero) else (0, len(counts) - 1)
    # keep the buckets from the first to the last non-empty one, and an empty one before them, whose limit
    # (bucket i holds (limit[i-1], limit[i]]) shows where the values start
    if first > 0:
        counts, limits = counts[first - 1:last + 1], limits[first:last + 2]
    else:
        counts, limits = np.concatenate([[0], counts[:last + 1]]), limits[:last + 2]
    proto = HistogramProto(min=float(v.min()), max=float(v.max()), num=int(v.size), sum=float(v.sum()),
                           sum_squares=float(v.dot(v)), bucket_limit=limits.tolist(), bucket=counts.tolist())
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


def to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """An image laid out as `dataformats` (a permutation of "CHW" or "HWC", or "HW", with "N" for a batch
    tiled into a grid) as H x W x 3 (or 4) channels: one channel is repeated as grey."""
    dataformats = dataformats.upper()
    if len(set(dataformats)) != len(dataformats) or set(dataformats) - set("NCHW") or array.ndim != len(dataformats):
        raise ValueError(f"dataformats {dataformats!r} does not describe an image tensor of shape "
                         f"{list(array.shape)}")
    if "N" in dataformats:
        nchw = array.transpose([dataformats.index(c) for c in "NCHW"] if "C" in dataformats else
                               [dataformats.index(c) for c in "NHW"])
        grid = make_grid(nchw if "C" in dataformats else nchw[:, None])
        return to_hwc(grid, "CHW")
    if "C" not in dataformats:
        array, dataformats = array[None], "C" + dataformats
    hwc = array.transpose([dataformats.index(c) for c in "HWC"])
    return np.concatenate([hwc] * 3, 2) if hwc.shape[2] == 1 else hwc


def make_grid(nchw: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Images N x C x H x W tiled row by row, `ncols` to a row, into one C x H' x W' image."""
    n, c, h, w = nchw.shape
    if c == 1:
        nchw, c = np.concatenate([nchw] * 3, 1), 3
    ncols = min(n, ncols)
    nrows = math.ceil(n / ncols)
    canvas = np.zeros((c, h * nrows, w * ncols), dtype=nchw.dtype)
    for i in range(n):
        r, col = divmod(i, ncols)
        canvas[:, r * h:(r + 1) * h, col * w:(col + 1) * w] = nchw[i]
    return canvas


def image(tag: str, img: Any, dataformats: str = "CHW") -> Summary:
    """A Summary holding `img` (in `dataformats` layout, floats in [0, 1] or uint8) as a PNG image."""
    array = make_np(img)
    hwc = to_hwc(array, dataformats)
    scale = 1 if array.dtype == np.uint8 else 255
    pixels = np.clip(hwc.astype(np.float32) * scale, 0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=encode_png(pixels))])


def encode_png(hwc: np.ndarray) -> Summary.Image:
    """A Summary.Image holding an HWC uint8 array encoded as PNG."""
    from PIL import Image

    height, width, channels = hwc.shape
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(hwc), mode="RGBA" if channels == 4 else "RGB").save(buf, format="PNG")
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=buf.getvalue())


def figure_image(figure: Any, close: bool = True) -> tuple[np.ndarray, str]:
    """A matplotlib figure rendered to a C x H x W uint8 RGB image (a list of figures: N x C x H x W), and
    its dataformats."""
    if isinstance(figure, list):
        return np.stack([figure_image(f, close)[0] for f in figure]), "NCHW"
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return rgba[:, :, :3].transpose(2, 0, 1).copy(), "CHW"


def text(tag: str, text_string: str) -> Summary:
    """A Summary holding `text_string` for TensorBoard's text plugin."""
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    proto = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf_8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=proto)])


def hparams(hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None
            ) -> tuple[Summary, Summary, Summary]:
    """The hparams plugin's (experiment, session start, session end) summaries for one run."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, values in domains.items():
        if k not in hparam_dict or not isinstance(values, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in values):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as "
                            f"hparam_dict[{k}].")
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, Tensor):
            v = float(make_np(v).ravel()[0])
        # a bool is an int, so it is logged as the number 0 or 1 (as PyTorch logs it)
        field, kind = (("number_value", "DATA_TYPE_FLOAT64") if isinstance(v, (int, float)) else
                       ("string_value", "DATA_TYPE_STRING") if isinstance(v, str) else (None, None))
        if field is None:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        setattr(start.hparams[k], field, v)
        domain = (struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in domains[k]])
                  if k in domains else None)
        infos.append(api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(kind), domain_discrete=domain))
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=[
        api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict])
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))

    def record(tag: str, **content: Any) -> Summary:
        data = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION, **content)
        md = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=metadata.PLUGIN_NAME,
                                                                    content=data.SerializeToString()))
        return Summary(value=[Summary.Value(tag=tag, metadata=md)])

    return (record(metadata.EXPERIMENT_TAG, experiment=experiment),
            record(metadata.SESSION_START_INFO_TAG, session_start_info=start),
            record(metadata.SESSION_END_INFO_TAG, session_end_info=end))
