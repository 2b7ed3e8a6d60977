"""The course's HTTP service (FastAPI + uvicorn): the exported ONNX classifiers behind an API.

    GET  /health          {"status": "ok", "models": {...}}
    POST /classify/text   {"texts": ["..."]}                       -> labels, probabilities
    POST /classify/image  {"images": [[[0..255] x 28] x 28, ...]}  -> labels, probabilities
    GET  /metrics         Prometheus text: request counts, latency histogram, predicted classes

Bad input (an empty or over-long text, an image of the wrong shape or pixel type, a malformed
body) is answered 422 with what was expected; any other failure 500 with a short message and no
stack trace. Run it with `python -m course_lib.serve.app` (or `make serve`).
"""

import argparse
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator
from transformers import AutoTokenizer

from course_lib.serve.export import onnx_session
from course_lib.serve.models import build, encode_texts, read_manifest

MAX_ITEMS = 64  # texts or images per request
MAX_CHARS = 10_000  # characters per text (the model reads its first 128 tokens)
SIDE = 28
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

Text = Annotated[str, Field(min_length=1, max_length=MAX_CHARS)]


class TextRequest(BaseModel):
    """Texts to classify: 1 to 64 non-empty strings of at most 10,000 characters."""

    model_config = ConfigDict(extra="forbid")
    texts: list[Text] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("texts")
    @classmethod
    def not_blank(cls, texts: list[str]) -> list[str]:
        """Refuse texts of whitespace only (nothing for the model to read)."""
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        if blank:
            raise ValueError(f"expected texts with some non-space characters; {blank} are blank")
        return texts


class ImageRequest(BaseModel):
    """Gray 28x28 images as nested lists of integer pixels 0..255 (Fashion-MNIST's format)."""

    model_config = ConfigDict(extra="forbid")
    images: list[list[list[Annotated[int, Field(ge=0, le=255, strict=True)]]]] = Field(
        min_length=1, max_length=MAX_ITEMS
    )

    @field_validator("images")
    @classmethod
    def square(cls, images: list) -> list:
        """Refuse images that are not 28 rows of 28 pixels."""
        for i, image in enumerate(images):
            shape = (len(image), sorted({len(row) for row in image}))
            if shape != (SIDE, [SIDE]):
                raise ValueError(
                    f"expected each image as {SIDE} rows of {SIDE} pixels; image {i} has "
                    f"{shape[0]} rows of {shape[1]} pixels"
                )
        return images


class Monitor:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "requests", "HTTP requests by path and status", ["path", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "request_latency_seconds", "Request latency by path", ["path"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.predictions = Counter(
            "predictions", "Predicted classes by model", ["model", "label"], registry=self.registry
        )


class Classifiers:
    """The exported ONNX classifiers of a served folder, with their class names."""

    def __init__(self, folder: Path, threads: int = 1) -> None:
        self.manifest = read_manifest(folder)
        files = self.manifest["files"]
        self.text = onnx_session(Path(folder) / files["text"]["onnx"], threads)
        self.image = onnx_session(Path(folder) / files["image"]["onnx"], threads)
        self.tokenizer = AutoTokenizer.from_pretrained(Path(folder) / "tokenizer")

    def run(self, kind: str, x: np.ndarray) -> dict:
        """Return labels, class ids and probabilities of a batch of the given kind."""
        session = self.text if kind == "text" else self.image
        logits = session.run(None, {session.get_inputs()[0].name: x})[0]
        probs = np.exp(logits - logits.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        names = self.manifest[kind]["names"]
        ids = probs.argmax(1)
        return {
            "labels": [names[i] for i in ids],
            "class_ids": ids.tolist(),
            "probabilities": np.round(probs.astype(np.float64), 6).tolist(),
        }


def validation_message(error: RequestValidationError) -> list[dict]:
    """Return the validation errors as {where, problem}: no input echoed back, no stack."""
    return [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in error.errors()
    ][:10]


def create_app(folder: Path, threads: int = 1) -> FastAPI:
    """Return the FastAPI app serving the models of `folder` (see `models.build`)."""
    models, monitor = Classifiers(folder, threads), Monitor()
    app = FastAPI(title="SSL course classifiers", version="1.0")

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # noqa: BLE001 - never a stack trace to the client
            response = JSONResponse({"error": "internal error; see the server log"}, 500)
        path = request.url.path if request.url.path in KNOWN_PATHS else "other"
        monitor.requests.labels(path, str(response.status_code)).inc()
        monitor.latency.labels(path).observe(time.perf_counter() - start)
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        expected = EXPECTED.get(request.url.path, "a JSON body")
        body = {"error": f"expected {expected}", "details": validation_message(error)}
        return JSONResponse(body, status_code=422)

    @app.get("/health")
    def health() -> dict:
        """Say the service is up and what it serves."""
        names = {k: models.manifest[k]["names"] for k in ("text", "image")}
        return {"status": "ok", "models": names, "sources": models.manifest.get("sources", {})}

    @app.post("/classify/text")
    def classify_text(request: TextRequest) -> dict:
        """Classify texts into the Wikipedia topics."""
        ids = encode_texts(models.tokenizer, request.texts, models.manifest["text"]["max_tokens"])
        return count(monitor, "text", models.run("text", ids))

    @app.post("/classify/image")
    def classify_image(request: ImageRequest) -> dict:
        """Classify 28x28 gray images into the Fashion-MNIST classes."""
        return count(monitor, "image", models.run("image", np.asarray(request.images, np.uint8)))

    @app.get("/metrics")
    def metrics() -> Response:
        """Return the metrics in the Prometheus text format."""
        return Response(generate_latest(monitor.registry), media_type=CONTENT_TYPE_LATEST)

    return app


KNOWN_PATHS = ("/health", "/classify/text", "/classify/image", "/metrics")
EXPECTED = {
    "/classify/text": f'{{"texts": [1 to {MAX_ITEMS} non-blank strings of at most '
    f"{MAX_CHARS:,} characters]}}",
    "/classify/image": f'{{"images": [1 to {MAX_ITEMS} images, each {SIDE} rows of {SIDE} '
    "integer pixels 0..255]}",
}


def count(monitor: Monitor, model: str, result: dict) -> dict:
    """Count the predicted classes of a response in the metrics; return the response."""
    for label in result["labels"]:
        monitor.predictions.labels(model, label).inc()
    return result


def main(argv: list[str] | None = None) -> None:
    """Build the default models on first run (artifacts/serve/), then serve them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None, help="a folder models.build made")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per model")
    args = parser.parse_args(argv)
    app = create_app(build(folder=args.folder), args.threads)
    print(f"serving on http://{args.host}:{args.port} (docs at /docs; Ctrl+C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
