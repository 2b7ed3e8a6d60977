"""Export the course's classifiers for serving, and measure what the export changed.

Three formats of the same fp32 weights: `torch.export` (a `.pt2` ExportedProgram: the graph
PyTorch itself now recommends), ONNX (the dynamo exporter, `torch.onnx.export(dynamo=True)`, run
by ONNX Runtime) and TorchScript (deprecated by PyTorch in favour of `torch.export`; traced here
only to show it still loads). Each export has a dynamic batch (and, for text, a dynamic length),
traced at batch 2 and length 16 so that no size is baked in as the constant 1, and is then checked
at *other* shapes: the largest logit difference to eager PyTorch and the share of equal
predictions. Speed: latency p50/p95 at batch 1 and throughput at batch 32, warm-up excluded.
"""

import logging
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

from course_lib.core.validate import bad_input, check_choice, check_int, check_tensor
from course_lib.text.classify import SequenceClassifier
from course_lib.vision.classify import ImageClassifier

EXPORT_BATCH, EXPORT_LENGTH = 2, 16  # trace shapes: >= 2, so neither is specialised to 1
MAX_BATCH = 1024
FORMATS = ("torch_export", "onnx", "torchscript")
Runner = Callable[[np.ndarray], np.ndarray]


class TextLogits(nn.Module):
    """Token ids (batch, length) int64, padded with `pad_id` -> class logits (batch, classes)."""

    def __init__(self, classifier: SequenceClassifier) -> None:
        super().__init__()
        attention = classifier.model.config._attn_implementation
        if attention not in ("sdpa", "eager"):
            fix = "load the model with attn_implementation='sdpa' (or 'eager') before exporting"
            raise bad_input("classifier", "sdpa or eager attention", attention, fix)
        self.classifier = classifier.eval()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Return logits of padded token ids; padding masked out inside the graph."""
        return self.classifier(ids)


class ImageLogits(nn.Module):
    """uint8 images (batch, 28, 28) -> class logits: scaling to [0, 1] inside the graph, the
    encoder's BatchNorm frozen in eval mode, no augmentation (that is training's, not serving's)."""

    def __init__(self, classifier: ImageClassifier) -> None:
        super().__init__()
        self.classifier = classifier.eval()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return logits of a uint8 batch of gray images (batch, height, width)."""
        x = images.unsqueeze(1).float() / 255.0
        encoder = self.classifier.encoder
        return self.classifier.head(encoder.pool(encoder.blocks(x)).flatten(1))


def text_dims(max_length: int) -> tuple[dict, ...]:
    """Return torch.export dynamic shapes for token ids: batch 1..MAX_BATCH, length 2..max_length."""
    batch = torch.export.Dim("batch", min=1, max=MAX_BATCH)
    return ({0: batch, 1: torch.export.Dim("length", min=2, max=max_length)},)


def image_dims() -> tuple[dict, ...]:
    """Return torch.export dynamic shapes for images: batch 1..MAX_BATCH, 28x28 fixed."""
    return ({0: torch.export.Dim("batch", min=1, max=MAX_BATCH)},)


def example_inputs(
    kind: str, batch: int = EXPORT_BATCH, length: int = EXPORT_LENGTH, seed: int = 0
) -> torch.Tensor:
    """Return a random input of the served kind ('text': ids 5..7999, 'image': uint8 28x28)."""
    generator = torch.Generator().manual_seed(seed)
    if kind == "text":
        return torch.randint(5, 8000, (batch, length), generator=generator)
    if kind == "image":
        return torch.randint(0, 256, (batch, 28, 28), generator=generator, dtype=torch.uint8)
    raise bad_input("kind", "'text' or 'image'", kind, "pick one of those")


def export_program(
    module: nn.Module, example: torch.Tensor, dims: tuple[dict, ...], path: Path
) -> Path:
    """torch.export the module with dynamic shapes and save the ExportedProgram (.pt2)."""
    program = torch.export.export(module.eval(), (example,), dynamic_shapes=dims)
    torch.export.save(program, path)
    return Path(path)


def export_onnx(
    module: nn.Module, example: torch.Tensor, dims: tuple[dict, ...], path: Path
) -> Path:
    """Export to ONNX with the dynamo exporter (dynamic shapes), weights inside the file."""
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # torchvision ops it cannot find
    torch.onnx.export(
        module.eval(),
        (example,),
        str(path),
        dynamic_shapes=dims,
        dynamo=True,
        external_data=False,
        verbose=False,
    )
    return Path(path)


@contextmanager
def jit_quietly() -> Iterator[None]:
    """Silence torch.jit's warnings, printed with library paths: the tracer's (of Python branches
    it freezes: the parity check tests them) and its deprecation (notebook 10 says so in words)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch.jit")
        yield


def export_torchscript(module: nn.Module, example: torch.Tensor, path: Path) -> Path | str:
    """Trace TorchScript (deprecated) and save it; return the path, or why it failed."""
    try:
        with torch.no_grad(), jit_quietly():
            torch.jit.save(torch.jit.trace(module.eval(), example, check_trace=False), path)
    except Exception as error:  # noqa: BLE001 - the point is to report what broke
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return Path(path)


def onnx_session(path: Path, threads: int = 1) -> ort.InferenceSession:
    """Return an ONNX Runtime CPU session with `threads` intra-op threads and one inter-op."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = check_int(threads, "threads", 1)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_runner(session: ort.InferenceSession) -> Runner:
    """Return x (numpy) -> logits (numpy) through an ONNX Runtime session."""
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: np.ascontiguousarray(x)})[0]


def torch_runner(module: nn.Module) -> Runner:
    """Return x (numpy) -> logits (numpy) through a torch module (eager, .pt2 or TorchScript)."""

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(np.ascontiguousarray(x))).float().numpy()

    return run


def export_all(
    module: nn.Module,
    kind: str,
    folder: Path,
    max_length: int = 128,
    formats: Sequence[str] = FORMATS,
) -> dict:
    """Export a TextLogits/ImageLogits module to `formats` (.pt2, .onnx, TorchScript) under
    `folder`; return {format: path, or why it failed}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    example = example_inputs(kind)
    dims = text_dims(max_length) if kind == "text" else image_dims()
    exporters = {
        "torch_export": lambda: export_program(module, example, dims, folder / f"{kind}.pt2"),
        "onnx": lambda: export_onnx(module, example, dims, folder / f"{kind}.onnx"),
        "torchscript": lambda: export_torchscript(module, example, folder / f"{kind}.ts.pt"),
    }
    return {name: exporters[check_choice(name, "formats", FORMATS)]() for name in formats}


def load_runners(module: nn.Module, paths: dict, threads: int = 1) -> dict[str, Runner]:
    """Return {format: runner} for eager PyTorch and every export that succeeded."""
    runners = {"eager": torch_runner(module.eval())}
    runners["torch_export"] = torch_runner(torch.export.load(paths["torch_export"]).module())
    runners["onnx_runtime"] = onnx_runner(onnx_session(paths["onnx"], threads))
    if isinstance(paths.get("torchscript"), Path):
        with jit_quietly():
            runners["torchscript"] = torch_runner(torch.jit.load(paths["torchscript"]))
    return runners


def parity(reference: Runner, candidate: Runner, inputs: np.ndarray, batch_size: int) -> dict:
    """Return max |logit difference| and prediction agreement of `candidate` against
    `reference` over every row of `inputs`, run `batch_size` rows at a time."""
    check_tensor(inputs, "inputs")
    check_int(batch_size, "batch_size", 1)
    diffs, agree = [], []
    for start in range(0, len(inputs), batch_size):
        chunk = inputs[start : start + batch_size]
        ref, got = reference(chunk), candidate(chunk)
        diffs.append(float(np.abs(ref - got).max()))
        agree.append(ref.argmax(1) == got.argmax(1))
    agreement = np.concatenate(agree)
    return {
        "max_abs_diff": max(diffs),
        "agreement": float(agreement.mean()),
        "n": len(agreement),
        "batch_size": batch_size,
        "shape": list(inputs.shape[1:]),
    }


def percentile_ms(seconds: list[float], q: float) -> float:
    """Return the q-th percentile of durations in seconds, in milliseconds."""
    if not seconds:
        raise bad_input("seconds", "at least one duration", seconds, "time something first")
    return float(np.percentile(np.asarray(seconds) * 1000, q))


def timed(run: Runner, x: np.ndarray, repeats: int, warmup: int = 3) -> list[float]:
    """Return the wall-clock seconds of `repeats` calls of run(x), after `warmup` untimed ones."""
    for _ in range(warmup):
        run(x)
    times = []
    for _ in range(check_int(repeats, "repeats", 1)):
        start = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - start)
    return times


def speed(run: Runner, one: np.ndarray, batch: np.ndarray, repeats: int = 50) -> dict:
    """Return latency p50/p95 (ms) at batch 1 and throughput (inputs/s) at `batch`'s size."""
    single = timed(run, one, repeats)
    batched = timed(run, batch, max(3, repeats // 5))
    return {
        "p50_ms": percentile_ms(single, 50),
        "p95_ms": percentile_ms(single, 95),
        "throughput_per_s": len(batch) / float(np.median(batched)),
        "batch": len(batch),
    }


def speed_table(rows: dict[str, dict[str, dict]]) -> str:
    """Return a markdown table of {model: {format: speed(...)}}."""
    lines = [
        "| model | format | p50 batch 1 (ms) | p95 batch 1 (ms) | throughput batch 32 (/s) |",
        "|---|---|---|---|---|",
    ]
    for model, formats in rows.items():
        for name, s in formats.items():
            lines.append(
                f"| {model} | {name} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} "
                f"| {s['throughput_per_s']:.0f} |"
            )
    return "\n".join(lines)
