"""Train the digits classifier and export it to ONNX.

Run by a developer, never by CI (see README.md beside this file). It writes,
next to itself:

- ``digits.onnx``: an MLP over scikit-learn's bundled 8x8 digits. One input,
  ``input``, float32 [N, 64] (pixel values 0..=16, row-major); one output,
  ``probabilities``, float32 [N, 10].
- ``digits.onnx.sha256``: its digest, in ``sha256sum`` format.
- ``reference.json``: inputs from the test split with the probabilities that
  onnxruntime computes on the exported file; the Rust tests compare tract's
  output with them.

Everything is seeded, and the script runs single-threaded, so that a rerun
with the pinned versions of requirements.txt writes the same files.
"""

import os

# Single-threaded BLAS and onnxruntime: summation order, hence the float
# results, then do not depend on the machine's core count. Set before numpy
# is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import hashlib
import json
import pathlib
import warnings

import numpy as np
import onnx
import onnxruntime
import skl2onnx
import sklearn
from onnx import helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

HERE = pathlib.Path(__file__).resolve().parent
MODEL = HERE / "digits.onnx"
CHECKSUM = HERE / "digits.onnx.sha256"
REFERENCE = HERE / "reference.json"

SEED = 20240607
TEST_SIZE = 0.25
# tract-onnx supports these operators (MatMul, Add, Relu, Softmax) at this
# opset; onnxruntime does too.
TARGET_OPSET = 15
# Reference entries: PER_DIGIT of each digit, the first ones of the test split.
PER_DIGIT = 4
# The graph's outward names, which the Rust library relies on.
INPUT_NAME = "input"
OUTPUT_NAME = "probabilities"


def train():
    digits = load_digits()
    x = digits.data.astype(np.float32)  # [1797, 64], values 0..=16
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_SIZE, random_state=SEED, stratify=y
    )
    clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=SEED, max_iter=500)
    with warnings.catch_warnings():
        # Not expected at 500 iterations; it would not change determinism.
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(x_train, y_train)
    accuracy = float(clf.score(x_test, y_test))
    return clf, x_test, y_test, accuracy


def export(clf):
    """The fitted classifier as ONNX, with only the probabilities output."""
    onx = to_onnx(
        clf,
        initial_types=[(INPUT_NAME, FloatTensorType([None, 64]))],
        options={id(clf): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    graph = onx.graph
    outputs = [o.name for o in graph.output]
    assert outputs == ["label", "probabilities"], outputs

    # Keep only the probabilities output, then drop every node (and
    # initializer) that no longer leads to it: the label's ArgMax and
    # ArrayFeatureExtractor (an ai.onnx.ml operator).
    kept = [o for o in graph.output if o.name == OUTPUT_NAME]
    del graph.output[:]
    graph.output.extend(kept)

    needed = {OUTPUT_NAME}
    nodes = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            nodes.append(node)
            needed.update(node.input)
    nodes.reverse()
    del graph.node[:]
    graph.node.extend(nodes)

    inits = [i for i in graph.initializer if i.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(inits)

    # Opset imports for domains no node uses any more (ai.onnx.ml).
    domains = {n.domain for n in graph.node} | {""}
    imports = [
        helper.make_opsetid(o.domain, o.version)
        for o in onx.opset_import
        if o.domain in domains
    ]
    del onx.opset_import[:]
    onx.opset_import.extend(imports)

    # The producer fields name the skl2onnx version; keep them, they are
    # deterministic. The doc string is left empty.
    onx.doc_string = ""
    onnx.checker.check_model(onx, full_check=True)
    assert [i.name for i in onx.graph.input] == [INPUT_NAME]
    assert [o.name for o in onx.graph.output] == [OUTPUT_NAME]
    return onx


def pick_reference(y_test):
    """Indices into the test split: the first PER_DIGIT of each digit."""
    picked = []
    for digit in range(10):
        picked.extend(np.flatnonzero(y_test == digit)[:PER_DIGIT].tolist())
    return sorted(picked)


def dump_reference(reference):
    """JSON with one line per array, so that a diff shows what changed."""
    head = {k: v for k, v in reference.items() if k != "entries"}
    text = json.dumps(head, indent=1)[:-2]  # without the closing "\n}"
    lines = []
    for entry in reference["entries"]:
        fields = ",\n".join(
            f"   {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
            for k, v in entry.items()
        )
        lines.append("  {\n" + fields + "\n  }")
    return text + ',\n "entries": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def main():
    clf, x_test, y_test, accuracy = train()
    print(f"test accuracy: {accuracy:.4f} ({len(y_test)} test images)")

    onx = export(clf)
    data = onx.SerializeToString(deterministic=True)
    MODEL.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    CHECKSUM.write_text(f"{digest}  {MODEL.name}\n")
    print(f"{MODEL.name}: {len(data)} bytes, sha256 {digest}")

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(MODEL), options, providers=["CPUExecutionProvider"]
    )
    (probabilities,) = session.run([OUTPUT_NAME], {INPUT_NAME: x_test})
    assert probabilities.dtype == np.float32 and probabilities.shape == (len(x_test), 10)
    onnx_accuracy = float(np.mean(probabilities.argmax(axis=1) == y_test))
    # The ONNX model must agree with scikit-learn's own predictions.
    sk_probabilities = clf.predict_proba(x_test)
    max_diff = float(np.max(np.abs(sk_probabilities - probabilities)))
    assert max_diff < 1e-4, max_diff
    print(f"onnxruntime accuracy: {onnx_accuracy:.4f}, max |sklearn - onnx| = {max_diff:.2e}")

    entries = []
    for i in pick_reference(y_test):
        row = probabilities[i]
        entries.append(
            {
                "test_index": i,
                # The dataset's values are whole numbers 0..=16.
                "pixels": [int(v) for v in x_test[i]],
                "label": int(y_test[i]),
                "predicted": int(row.argmax()),
                # repr of the float32 widened to float64: exact, and the
                # shortest text that reads back to the same float32.
                "probabilities": [float(np.format_float_positional(p, unique=True)) for p in row],
            }
        )
    reference = {
        "about": "Inputs from the test split of sklearn.datasets.load_digits and the "
        "probabilities onnxruntime computes for them on digits.onnx. Written by "
        "train.py; do not edit.",
        "model_sha256": digest,
        "versions": {
            "scikit-learn": sklearn.__version__,
            "skl2onnx": skl2onnx.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
            "numpy": np.__version__,
        },
        "seed": SEED,
        "target_opset": TARGET_OPSET,
        "test_size": len(y_test),
        "test_accuracy": accuracy,
        "onnx_test_accuracy": onnx_accuracy,
        "entries": entries,
    }
    REFERENCE.write_text(dump_reference(reference))
    print(f"{REFERENCE.name}: {len(entries)} entries")


if __name__ == "__main__":
    main()
