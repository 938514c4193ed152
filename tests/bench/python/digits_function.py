"""The digits model served the way ML users write a Lambda function in
Python today: onnxruntime, the model loaded once at import (in the cold
start), one handler per trigger. The benchmark (BENCHMARKS.md, "ML
inference") runs it on the official Python runtime interface client
(awslambdaric) against the loopback Runtime API, beside the Rust examples
digits-http and digits-sqs, and answers are checked the same way.

It behaves as the Rust examples do:

- ``http``: ``POST /predict`` with ``{"pixels": [64 numbers 0..=16]}`` ->
  200 ``{"digit", "confidence", "probabilities", "model"}``; a body that is
  not a valid image -> 400 naming the problem; anything else -> 404.
- ``sqs``: every valid message of a batch goes through the model in one
  run; invalid bodies are listed in ``batchItemFailures``; each prediction
  is logged at INFO as one line (message id, id, digit, confidence).
"""

import base64
import hashlib
import json
import logging
import os

import numpy as np
import onnxruntime as ort

PIXEL_COUNT = 64
MAX_PIXEL = 16

MODEL_PATH = os.environ.get(
    "MODEL_PATH", os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.onnx")
)
with open(MODEL_PATH, "rb") as model_file:
    _model_bytes = model_file.read()
MODEL_LABEL = "digits@" + hashlib.sha256(_model_bytes).hexdigest()[:12]
SESSION = ort.InferenceSession(_model_bytes, providers=["CPUExecutionProvider"])
INPUT_NAME = SESSION.get_inputs()[0].name
del _model_bytes

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def parse_pixels(value):
    """The 64 pixel values of an image, or ValueError naming the problem."""
    if not isinstance(value, list):
        raise ValueError("pixels must be an array of 64 numbers")
    if len(value) != PIXEL_COUNT:
        raise ValueError(f"expected {PIXEL_COUNT} pixels, got {len(value)}")
    for i, pixel in enumerate(value):
        if isinstance(pixel, bool) or not isinstance(pixel, (int, float)):
            raise ValueError(f"pixel {i} is not a number")
        if not 0 <= pixel <= MAX_PIXEL:
            raise ValueError(f"pixel {i} is {pixel}, outside 0..={MAX_PIXEL}")
    return value


def predict(rows):
    """The probabilities of each row, in one run of the model."""
    return SESSION.run(None, {INPUT_NAME: np.asarray(rows, dtype=np.float32)})[0]


def _response(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def http(event, context):
    """POST /predict behind a function URL or an HTTP API (payload 2.0)."""
    method = event["requestContext"]["http"]["method"]
    path = event.get("rawPath", "")
    if method != "POST" or not path.rstrip("/").endswith("/predict"):
        return _response(404, {"error": f"no route for {method} {path}"})
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    try:
        request = json.loads(body)
        pixels = parse_pixels(request["pixels"] if isinstance(request, dict) else None)
    except (ValueError, KeyError) as err:
        return _response(400, {"error": str(err)})
    probabilities = predict([pixels])[0]
    digit = int(probabilities.argmax())
    return _response(
        200,
        {
            "digit": digit,
            "confidence": float(probabilities[digit]),
            "probabilities": probabilities.tolist(),
            "model": MODEL_LABEL,
        },
    )


def sqs(event, context):
    """An SQS batch, with partial batch responses (ReportBatchItemFailures)."""
    failures = []
    messages = []
    rows = []
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
            rows.append(parse_pixels(body["pixels"]))
            messages.append((record["messageId"], str(body["id"])))
        except (ValueError, KeyError, TypeError) as err:
            logger.error("message %s failed: %s", record.get("messageId"), err)
            failures.append({"itemIdentifier": record["messageId"]})
    if rows:
        for (message_id, image_id), probabilities in zip(messages, predict(rows)):
            digit = int(probabilities.argmax())
            logger.info(
                "prediction message_id=%s id=%s digit=%d confidence=%.6f",
                message_id,
                image_id,
                digit,
                probabilities[digit],
            )
    return {"batchItemFailures": failures}
