"""The real service, started as a subprocess on a loopback port: good requests answered with the
eager models' predictions, bad ones with a 422 saying what was expected, metrics in Prometheus's
format, a bounded load with no errors, a clean shutdown."""

import httpx
import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from course_lib.core.paths import DATA_DIR
from course_lib.core.validate import BadInput
from course_lib.serve import client, models
from course_lib.text.few_labels import bert_maker
from course_lib.vision.classify import make_classifier
from course_lib.vision.encoders import EncoderConfig

BERT = DATA_DIR / "reference" / "bert_mlm"
TOPICS = [f"topic {i}" for i in range(4)]
GARMENTS = [f"garment {i}" for i in range(10)]
IMAGE = np.random.default_rng(0).integers(0, 256, (28, 28)).tolist()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Untrained heads on the reference BERT and a small CNN, packaged, served; stopped after."""
    tokenizer = AutoTokenizer.from_pretrained(BERT)
    text = bert_maker(BERT, len(TOPICS), tokenizer.pad_token_id, True, 0)().eval()
    image = make_classifier(None, 10, 0, EncoderConfig(widths=(8, 16, 16))).eval()
    folder = tmp_path_factory.mktemp("serve")
    models.package(text, tokenizer, TOPICS, image, GARMENTS, folder, formats=("onnx",))
    process, url = client.start_server(folder)
    yield {"url": url, "process": process, "text": text, "image": image, "tokenizer": tokenizer}
    client.stop_server(process)


def test_health_names_the_models(served):
    body = httpx.get(f"{served['url']}/health").json()
    assert body["status"] == "ok" and body["models"] == {"text": TOPICS, "image": GARMENTS}


def test_text_answers_match_the_eager_model(served):
    texts = ["The river flows into the sea.", "A theorem about prime numbers", "x"]
    body = httpx.post(f"{served['url']}/classify/text", json={"texts": texts}).json()
    ids = torch.from_numpy(models.encode_texts(served["tokenizer"], texts))
    with torch.no_grad():
        expected = torch.softmax(served["text"](ids), 1).numpy()
    assert np.abs(np.array(body["probabilities"]) - expected).max() < 1e-4
    assert body["labels"] == [TOPICS[i] for i in expected.argmax(1)]


def test_image_answers_match_the_eager_model(served):
    images = np.random.default_rng(1).integers(0, 256, (3, 28, 28))
    body = httpx.post(f"{served['url']}/classify/image", json={"images": images.tolist()}).json()
    with torch.no_grad():
        expected = torch.softmax(served["image"](torch.as_tensor(images, dtype=torch.uint8)), 1)
    assert np.abs(np.array(body["probabilities"]) - expected.numpy()).max() < 1e-4
    assert body["class_ids"] == expected.argmax(1).tolist()


TEXT, IMG = "/classify/text", "/classify/image"
BAD = [
    (TEXT, {"texts": []}, "at least 1"),
    (TEXT, {"texts": [""]}, "at least 1 character"),
    (TEXT, {"texts": ["   \n"]}, "non-space"),
    (TEXT, {"texts": ["word " * 2001]}, "at most 10000"),
    (TEXT, {"texts": "a bare string"}, "valid list"),
    (TEXT, {"texts": [1, 2]}, "valid string"),
    (TEXT, {}, "Field required"),
    (TEXT, {"text": ["hello"]}, "Field required"),
    (TEXT, {"texts": ["hello"] * 65}, "at most 64"),
    (TEXT, [["hello"]], "valid dictionary"),
    (TEXT, b'{"texts": ["unclosed"', "JSON"),
    (IMG, {"images": []}, "at least 1"),
    (IMG, {"images": [IMAGE[:27]]}, "27 rows"),
    (IMG, {"images": [IMAGE[:27] + [IMAGE[0][:20]]]}, "[20, 28]"),
    (IMG, {"images": [[[0.5] * 28] * 28]}, "valid integer"),
    (IMG, {"images": [[[300] * 28] * 28]}, "less than or equal to 255"),
    (IMG, {"images": [[[-1] * 28] * 28]}, "greater than or equal to 0"),
    (IMG, {"images": [[[[0, 0, 0]] * 28] * 28]}, "valid integer"),
    (IMG, {"images": "pixels"}, "valid list"),
    (IMG, b"", "Field required"),
]


@pytest.mark.parametrize("path, body, problem", BAD, ids=range(len(BAD)))
def test_bad_requests_get_422_saying_what_was_expected(served, path, body, problem):
    url = served["url"] + path
    if isinstance(body, bytes):
        answer = httpx.post(url, content=body, headers={"content-type": "application/json"})
    else:
        answer = httpx.post(url, json=body)
    assert answer.status_code == 422, answer.text
    message = answer.json()
    assert message["error"].startswith("expected {") and "Traceback" not in answer.text
    assert any(problem in d["problem"] for d in message["details"]), message


def test_metrics_count_requests_latency_and_predictions(served):
    url = served["url"]
    before = client.metric_value(
        httpx.get(f"{url}/metrics").text, "requests_total", path=TEXT, status="200"
    )
    httpx.post(f"{url}{TEXT}", json={"texts": ["one", "two"]})
    text = httpx.get(f"{url}/metrics").text
    assert client.metric_value(text, "requests_total", path=TEXT, status="200") == before + 1
    assert client.metric_value(text, "request_latency_seconds_count", path=TEXT) >= before + 1
    assert "# TYPE request_latency_seconds histogram" in text
    assert client.metric_value(text, "predictions_total", model="text") >= 2
    assert client.metric_value(text, "predictions_total", model="image", label="none") == 0


def test_bounded_load_has_no_errors(served):
    rng = np.random.default_rng(2)
    requests = [
        (IMG, {"images": rng.integers(0, 256, (1, 28, 28)).tolist()})
        if i % 2
        else (TEXT, {"texts": [f"document number {i} about rivers and mountains"]})
        for i in range(1000)
    ]
    result = client.load_test(served["url"], requests, concurrency=8)
    assert result["requests"] == 1000 and result["errors"] == 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] < 5000
    assert served["process"].poll() is None  # still up


def test_encode_texts_pads_to_two_tokens_and_truncates(served):
    tokenizer = served["tokenizer"]
    ids = models.encode_texts(tokenizer, ["a", "word " * 500])
    assert ids.shape == (2, models.MAX_TOKENS) and ids.dtype == np.int64
    assert models.encode_texts(tokenizer, ["a"]).shape[1] >= 2


def test_clean_shutdown_and_missing_models(tmp_path, served):  # last: it stops the server
    assert client.stop_server(served["process"]) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{served['url']}/health", timeout=2)
    with pytest.raises(BadInput, match="manifest"):
        models.read_manifest(tmp_path)
