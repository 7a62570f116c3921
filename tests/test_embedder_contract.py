"""One contract, every ``Embedder`` adapter: MiniLM (offline; the session fixture), the same
MiniLM run by ONNX Runtime (fp32 one text at a time as the app runs it, fp32 in padded batches,
and int8; skipped when the install step's export is absent), and the OpenAI-compatible adapter
talking to the fake OpenAI server on 127.0.0.1, whose embeddings are deterministic (derived
from SHA-256 of the input).

The contract: ``embed`` returns float32 rows of shape ``(n, dimension)``, L2-normalised, in
the order of the input, the same for the same input whatever the batch it arrives in (also
past the adapter's batch size, and through ``embed_background``); ``embed([])`` is an empty
``(0, dimension)`` array; ``embed_one`` is ``embed([t])[0]``; unicode, blank and empty strings
are embedded like any other text; ``fits`` agrees with ``input_length`` and
``max_input_tokens``.

The ONNX adapter also: gives the torch path's vectors in fp32 (cosine >= 0.999, so it keeps
the torch name and existing indexes), ranks like torch in int8 (figures measured and asserted
with a margin) under another name that asks for ``docqa reindex``, counts word pieces exactly
as torch does (so chunks are cut in the same places), and says how to export when it is absent.

The remote adapter also: sends the configured model and the texts in batches, and turns a
failing server into a ``ModelError`` (never an SDK exception) that renders as one line.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from retrieval.adapters.minilm import MiniLMEmbedder
from retrieval.adapters.minilm_onnx import (
    DEFAULT_DIR,
    FILES,
    MANIFEST,
    MiniLMOnnxEmbedder,
    Precision,
    chosen_runtime,
    exported,
)
from retrieval.adapters.openai_compat import OpenAIEmbedder, make_client
from retrieval.adapters.turns import LONG_STEP
from retrieval.errors import DocqaError, EmbedderError, IndexError_, ModelError
from retrieval.ports import Embedder
from tests.fake_openai import FakeOpenAI, Reply, embedding_for

MODEL = "text-embedding-test"
OPENAI_BATCH = 3  # small, so "more texts than one batch" costs nothing
#: the batch size the session's MiniLM fixture was built with (the constructor's default)
MINILM_BATCH = int(inspect.signature(MiniLMEmbedder.__init__).parameters["batch_size"].default)

JAPANESE = "日本語のテキストです"
UNICODE = ["", " ", "\t\n", "Straße und Maße", "naïve café", "e\u0301 (combining accent)",
           JAPANESE, "مرحبا بالعالم", "Ελληνικά", "🚀🔥 emoji only", "\u200bzero width",
           "nul\x00inside", "x" * 2000]


@dataclass
class Case:
    name: str
    embedder: Embedder
    #: texts per model call (encode batch, or request)
    batch_size: int
    #: texts per step of ``embed_background`` (0: it is ``embed``)
    background_step: int
    #: how far a row may move when it is computed in another batch (MiniLM pads a batch to
    #: its longest text; the fake's rows do not depend on the batch at all)
    batch_atol: float
    fake: FakeOpenAI | None = None


MakeOpenAI = Callable[..., OpenAIEmbedder]
#: texts per run of the "onnx-batched" case (padded batches; the app runs one text at a time)
ONNX_BATCH = 4


def _onnx(precision: Precision, batch_size: int = 1) -> MiniLMOnnxEmbedder:
    if not exported(precision=precision):
        pytest.skip(f"no ONNX export of MiniLM ({precision}) in {DEFAULT_DIR}: run "
                    "`python scripts/export_onnx.py` (`make install` does)")
    return MiniLMOnnxEmbedder(precision=precision, batch_size=batch_size)


@pytest.fixture(scope="module")
def onnx_fp32() -> MiniLMOnnxEmbedder:
    return _onnx("fp32")


@pytest.fixture(scope="module")
def onnx_fp32_batched() -> MiniLMOnnxEmbedder:
    return _onnx("fp32", ONNX_BATCH)


@pytest.fixture(scope="module")
def onnx_int8() -> MiniLMOnnxEmbedder:
    return _onnx("int8")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # a developer's proxy must not apply
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def make_openai(fake: FakeOpenAI) -> Iterator[MakeOpenAI]:
    """OpenAIEmbedders on the fake, built as the app builds them (``make_client``)."""
    clients: list[openai.OpenAI] = []

    def make(batch_size: int = OPENAI_BATCH, max_retries: int = 0, timeout_s: float = 5.0,
             model: str = MODEL, server: FakeOpenAI | None = None) -> OpenAIEmbedder:
        client = make_client("test-key", (server or fake).base_url, timeout_s=timeout_s,
                             max_retries=max_retries)
        clients.append(client)
        return OpenAIEmbedder(client, model, batch_size=batch_size)

    yield make
    for client in clients:
        client.close()


@pytest.fixture(params=["minilm", "onnx", "onnx-batched", "onnx-int8", "openai"])
def case(request: pytest.FixtureRequest) -> Case:
    if request.param == "minilm":
        embedder: Embedder = request.getfixturevalue("embedder")
        return Case("minilm", embedder, MINILM_BATCH, LONG_STEP, batch_atol=2e-5)
    if request.param == "onnx":  # one unpadded text per run: a row never depends on others
        return Case("onnx", request.getfixturevalue("onnx_fp32"), 1, LONG_STEP, batch_atol=0.0)
    if request.param == "onnx-batched":
        return Case("onnx-batched", request.getfixturevalue("onnx_fp32_batched"), ONNX_BATCH,
                    LONG_STEP, batch_atol=2e-5)
    if request.param == "onnx-int8":
        return Case("onnx-int8", request.getfixturevalue("onnx_int8"), 1, LONG_STEP,
                    batch_atol=0.0)
    make: MakeOpenAI = request.getfixturevalue("make_openai")
    return Case("openai", make(), OPENAI_BATCH, 0, batch_atol=0.0,
                fake=request.getfixturevalue("fake"))


def _texts(n: int) -> list[str]:
    """Distinct texts of varied lengths (so a batch is padded unevenly)."""
    words = ["parking", "leave", "salary", "budget", "policy", "review", "garage", "travel"]
    return [" ".join(words[(i + j) % len(words)] for j in range(1 + i % 7)) + f" {i}"
            for i in range(n)]


def _assert_unit_rows(vectors: np.ndarray, n: int, dimension: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (n, dimension)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), np.ones(n), atol=1e-5)


# -- the contract -----------------------------------------------------------------------------
def test_identity_is_set(case: Case) -> None:
    e = case.embedder
    assert isinstance(e.name, str) and e.name.strip()
    assert isinstance(e.dimension, int) and e.dimension > 0
    assert isinstance(e.max_input_tokens, int) and e.max_input_tokens > 0


def test_embed_gives_float32_unit_rows_of_the_dimension(case: Case) -> None:
    texts = ["holiday leave days", "parking garage rules", "salary review process overview"]
    vectors = case.embedder.embed(texts)
    _assert_unit_rows(vectors, len(texts), case.embedder.dimension)
    assert len({row.tobytes() for row in vectors}) == len(texts)  # different texts differ


def test_embed_of_nothing_is_an_empty_array_of_the_dimension(case: Case) -> None:
    for vectors in (case.embedder.embed([]), case.embedder.embed(()),
                    case.embedder.embed_background([])):
        assert vectors.dtype == np.float32
        assert vectors.shape == (0, case.embedder.dimension)


def test_embed_one_is_the_row_of_embed(case: Case) -> None:
    for text in ["a question about parking", ""]:
        one = case.embedder.embed_one(text)
        assert one.dtype == np.float32
        assert one.shape == (case.embedder.dimension,)
        np.testing.assert_allclose(one, case.embedder.embed([text])[0], rtol=0, atol=1e-6)


def test_the_same_input_gives_the_same_rows_in_the_input_order(case: Case) -> None:
    texts = [*_texts(4), _texts(1)[0]]  # the first text twice
    first = case.embedder.embed(texts)
    np.testing.assert_allclose(case.embedder.embed(tuple(texts)), first, rtol=0, atol=1e-6)
    np.testing.assert_allclose(first[4], first[0], rtol=0, atol=1e-6)
    reversed_rows = case.embedder.embed(texts[::-1])
    np.testing.assert_allclose(reversed_rows[::-1], first, rtol=0, atol=case.batch_atol + 1e-6)


def _past_a_batch(case: Case) -> list[str]:
    """More texts than one batch, and than two steps of background work."""
    return _texts(max(case.batch_size, 2 * case.background_step) + 2)


def test_more_texts_than_a_batch_give_the_rows_of_one_by_one(case: Case) -> None:
    texts = _past_a_batch(case)
    n = len(texts)
    together = case.embedder.embed(texts)
    _assert_unit_rows(together, n, case.embedder.dimension)
    # One by one: every text for the fake; for MiniLM (a call costs 0.1-0.5 s on a busy
    # machine) the texts either side of the batch boundary and at both ends.
    some = range(n) if case.fake is not None else sorted(
        {0, case.batch_size - 1, case.batch_size, n - 1})
    alone = np.stack([case.embedder.embed_one(texts[i]) for i in some])
    np.testing.assert_allclose(together[list(some)], alone, rtol=0,
                               atol=case.batch_atol + 1e-6)
    # Every text in another batch: the list rotated, so the batches are cut elsewhere.
    rotated = case.embedder.embed(texts[5:] + texts[:5])
    np.testing.assert_allclose(np.concatenate([rotated[-5:], rotated[:-5]]), together, rtol=0,
                               atol=case.batch_atol + 1e-6)


def test_embed_background_gives_the_rows_of_embed(case: Case) -> None:
    texts = _past_a_batch(case)  # several bulk steps
    n = len(texts)
    background = case.embedder.embed_background(texts)
    _assert_unit_rows(background, n, case.embedder.dimension)
    np.testing.assert_allclose(background, case.embedder.embed(texts), rtol=0,
                               atol=case.batch_atol + 1e-6)


def test_unicode_blank_and_empty_strings_are_embedded(case: Case) -> None:
    vectors = case.embedder.embed(UNICODE)
    _assert_unit_rows(vectors, len(UNICODE), case.embedder.dimension)
    again = case.embedder.embed(UNICODE[::-1])[::-1]  # each text in another batch position
    np.testing.assert_allclose(again, vectors, rtol=0, atol=case.batch_atol + 1e-6)
    np.testing.assert_allclose(case.embedder.embed_one(JAPANESE), vectors[UNICODE.index(JAPANESE)],
                               rtol=0, atol=case.batch_atol + 1e-6)
    for text in UNICODE:
        assert case.embedder.input_length(text) >= 0, repr(text)


def test_fits_agrees_with_input_length_and_max_input_tokens(case: Case) -> None:
    e = case.embedder
    short = "How many days of holiday leave do I get?"
    too_long = "word " * (e.max_input_tokens + 10)
    for text in ["", short, "Straße 日本語 🚀", too_long]:
        assert e.fits(text) == (e.input_length(text) <= e.max_input_tokens), repr(text[:40])
    assert 0 < e.input_length(short) <= e.max_input_tokens and e.fits(short)
    assert e.input_length(too_long) > e.max_input_tokens and not e.fits(too_long)
    assert e.input_length(short) < e.input_length(short + " " + short)


# -- the ONNX adapter: the torch path's vectors, or another embedder ------------------------------
REPO = Path(__file__).resolve().parent.parent


def _passages() -> list[str]:
    """The sample documents' paragraphs (in the repository, so this runs everywhere)."""
    return [block.strip() for path in sorted((REPO / "data" / "docs-src").rglob("*.md"))
            for block in path.read_text(encoding="utf-8").split("\n\n")
            if len(block.split()) >= 8]


def _questions(n: int) -> list[str]:
    lines = (REPO / "data" / "eval" / "golden.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def test_onnx_fp32_gives_the_torch_vectors_and_keeps_the_torch_name(
        embedder: Embedder, onnx_fp32: MiniLMOnnxEmbedder,
        onnx_fp32_batched: MiniLMOnnxEmbedder) -> None:
    texts = [*UNICODE, *_texts(8), *_passages()[:40], "word " * 400]
    reference = embedder.embed(texts)
    for onnx in (onnx_fp32, onnx_fp32_batched):
        cosines = (onnx.embed(texts) * reference).sum(axis=1)
        assert cosines.min() >= 0.999, (onnx.precision, float(cosines.min()),
                                        texts[int(cosines.argmin())][:60])
        # Same vectors, same identity: an index built by either is searched by the other.
        assert onnx.name == embedder.name and onnx.dimension == embedder.dimension
        assert onnx.max_input_tokens == embedder.max_input_tokens == 256


def _top(queries: np.ndarray, passages: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ passages.T), axis=1, kind="stable")[:, :k]


def test_onnx_int8_ranks_like_torch_under_another_name(
        embedder: Embedder, onnx_int8: MiniLMOnnxEmbedder) -> None:
    """Measured here (226 sample paragraphs, 120 golden questions): cosine to torch's vectors
    min 0.986 / mean 0.993; the top-1 passage is torch's for 0.925 of the questions, top-10
    overlap 0.907. Asserted with a margin of about 0.05 (0.01 on the mean cosine)."""
    passages, questions = _passages(), _questions(120)
    torch_p, torch_q = embedder.embed(passages), embedder.embed(questions)
    int8_p, int8_q = onnx_int8.embed(passages), onnx_int8.embed(questions)
    cosines = (int8_p * torch_p).sum(axis=1)
    ref, got = _top(torch_q, torch_p, 10), _top(int8_q, int8_p, 10)
    top1 = float(np.mean(ref[:, 0] == got[:, 0]))
    overlap = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ref, got, strict=True)]))
    figures = {"min_cos": float(cosines.min()), "mean_cos": float(cosines.mean()),
               "top1": top1, "top10_overlap": overlap}
    assert figures["mean_cos"] >= 0.983, figures
    assert figures["top1"] >= 0.87 and figures["top10_overlap"] >= 0.86, figures
    # Not the torch vectors (cosine below 0.999): another embedder, so an index built by
    # torch or fp32 is not searched with int8 queries.
    assert figures["min_cos"] < 0.999
    assert onnx_int8.name != embedder.name and onnx_int8.name.startswith(embedder.name)


def test_onnx_counts_word_pieces_as_torch_does(
        embedder: Embedder, onnx_fp32: MiniLMOnnxEmbedder) -> None:
    """Chunks are cut where ``fits`` says: both runtimes must cut in the same places."""
    texts = [*UNICODE, *_texts(10), *_passages()[:60], "word " * 400, "Ünïcödé " * 100]
    assert [onnx_fp32.input_length(t) for t in texts] == [embedder.input_length(t)
                                                          for t in texts]


def test_an_index_built_by_torch_is_kept_by_onnx_fp32_and_refused_by_int8(
        tmp_path: Path, embedder: Embedder, onnx_fp32: MiniLMOnnxEmbedder,
        onnx_int8: MiniLMOnnxEmbedder) -> None:
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.kernel import check_embedder
    from retrieval.store.catalog import Catalog
    from retrieval.store.index import VectorIndex

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    index = VectorIndex(EmbeddedQdrantStore(tmp_path / "qdrant"))
    try:
        check_embedder(catalog, index, embedder, "docqa")  # built by torch
        check_embedder(catalog, index, onnx_fp32, "docqa")  # the same vectors: kept
        with pytest.raises(IndexError_) as info:
            check_embedder(catalog, index, onnx_int8, "docqa")
        assert "docqa reindex" in str(info.value) and "+onnx-int8" in str(info.value)
    finally:
        index.close()
        catalog.close()


def test_auto_runtime_is_onnx_only_when_exported(tmp_path: Path) -> None:
    assert chosen_runtime("auto", tmp_path) == "torch"  # nothing exported there
    for given in ("torch", "onnx", "onnx-int8"):
        assert chosen_runtime(given, tmp_path) == given
    if exported():
        assert chosen_runtime("auto") == "onnx"


def test_onnx_without_an_export_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError) as info:
        MiniLMOnnxEmbedder(model_dir=tmp_path)
    message = str(info.value)
    assert "scripts/export_onnx.py" in message and "DOCQA_EMBEDDER_RUNTIME=torch" in message
    assert "\n" not in message


def test_onnx_int8_refuses_batches() -> None:
    """In a batch, dynamic quantization scales all texts' activations together: a text's
    vector would depend on its neighbours (cosine 0.988 to itself alone, measured)."""
    with pytest.raises(ValueError, match="one text at a time"):
        MiniLMOnnxEmbedder(precision="int8", batch_size=ONNX_BATCH)


def test_onnx_refuses_an_export_of_other_weights(tmp_path: Path) -> None:
    if not exported():
        pytest.skip(f"no ONNX export in {DEFAULT_DIR}")
    manifest = json.loads((DEFAULT_DIR / MANIFEST).read_text(encoding="utf-8"))
    manifest["weights_bytes"] += 1
    (tmp_path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / FILES["fp32"]).symlink_to(DEFAULT_DIR / FILES["fp32"])
    with pytest.raises(EmbedderError, match=r"export_onnx\.py --force"):
        MiniLMOnnxEmbedder(model_dir=tmp_path)


# -- the remote adapter: what it sends ----------------------------------------------------------
def test_openai_sends_the_model_and_the_texts_in_batches(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai(batch_size=3)
    assert embedder.name == f"openai:{MODEL}"
    [probe] = fake.requests  # the dimension is asked of the server once, at construction
    assert probe["path"] == "/v1/embeddings" and probe["body"]["model"] == MODEL
    assert probe["body"]["input"] == ["dimension probe"]
    fake.requests.clear()

    texts = _texts(7)
    vectors = embedder.embed(texts)
    assert [r["body"]["input"] for r in fake.requests] == [texts[0:3], texts[3:6], texts[6:7]]
    for request in fake.requests:
        assert request["method"] == "POST" and request["path"] == "/v1/embeddings"
        assert request["body"]["model"] == MODEL
        assert request["headers"]["authorization"] == "Bearer test-key"
        assert request["body"].get("encoding_format") in (None, "float", "base64")
    # The server's own vectors (already unit length), decoded and in the input order.
    expected = np.array([embedding_for(t, fake.embedding_dim) for t in texts], dtype=np.float32)
    np.testing.assert_allclose(vectors, expected, rtol=0, atol=1e-7)


def test_openai_embeds_nothing_without_a_request(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai()
    fake.requests.clear()
    assert embedder.embed([]).shape == (0, fake.embedding_dim)
    assert fake.requests == []


def test_openai_dimension_is_the_servers(make_openai: MakeOpenAI) -> None:
    with FakeOpenAI(embedding_dim=16) as server:
        embedder = make_openai(server=server)
        assert embedder.dimension == 16
        _assert_unit_rows(embedder.embed(["a", "b"]), 2, 16)


def test_openai_normalises_rows_the_server_did_not(
        fake: FakeOpenAI, make_openai: MakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenAI's vectors come normalised, other compatible servers' (vLLM, Ollama) may not."""
    import tests.fake_openai as fake_module

    unit = fake_module.embedding_for
    monkeypatch.setattr(fake_module, "embedding_for",
                        lambda item, dim=8: [3.0 * x for x in unit(item, dim)])
    vectors = make_openai().embed(["scaled by three"])
    _assert_unit_rows(vectors, 1, fake.embedding_dim)
    np.testing.assert_allclose(vectors[0], unit("scaled by three", fake.embedding_dim),
                               rtol=0, atol=1e-6)


def _rewrite_replies(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch,
                     change: Callable[[list[Any]], list[Any]]) -> None:
    """Have the fake send its embeddings reply with ``data`` changed by ``change``."""
    served = fake._embeddings

    def rewritten(body: dict[str, Any]) -> dict[str, Any]:
        payload = served(body)
        payload["data"] = change(payload["data"])
        return payload

    monkeypatch.setattr(fake, "_embeddings", rewritten)


def test_openai_rows_follow_the_index_not_the_reply_order(
        fake: FakeOpenAI, make_openai: MakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = make_openai()
    _rewrite_replies(fake, monkeypatch, lambda data: data[::-1])
    texts = _texts(3)
    expected = np.array([embedding_for(t, fake.embedding_dim) for t in texts], dtype=np.float32)
    np.testing.assert_allclose(embedder.embed(texts), expected, rtol=0, atol=1e-7)


# -- the remote adapter: failures ----------------------------------------------------------------
def _one_line_model_error(e: BaseException, provider: FakeOpenAI) -> ModelError:
    """A failure as docqa reports it: a ModelError (not an SDK exception), one line, naming
    the provider."""
    assert isinstance(e, ModelError), type(e)
    assert not isinstance(e, openai.OpenAIError)
    message = str(e)
    assert "\n" not in message and len(message) < 400, message
    assert message.startswith(f"Model provider {provider.base_url}"), message
    return e


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_openai_http_error_becomes_one_model_error(
        status: int, fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai(max_retries=0)
    fake.queue(Reply(kind="status", status=status))
    with pytest.raises(DocqaError) as info:
        embedder.embed(["anything"])
    error = _one_line_model_error(info.value, fake)
    assert error.status == status
    assert f"(HTTP {status})" in str(error)


def test_openai_failing_at_construction_is_a_model_error(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    fake.queue(Reply(kind="status", status=503))  # the dimension probe
    with pytest.raises(DocqaError) as info:
        make_openai(max_retries=0)
    assert _one_line_model_error(info.value, fake).status == 503


def test_openai_a_rate_limit_is_retried_by_the_client(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai(max_retries=1)
    fake.requests.clear()
    fake.queue(Reply(kind="status", status=429))  # then the default: a normal reply
    vectors = embedder.embed(["after one retry"])
    np.testing.assert_allclose(vectors[0], embedding_for("after one retry"), atol=1e-7)
    assert len(fake.requests) == 2 and fake.requests[0]["body"] == fake.requests[1]["body"]


def test_openai_a_cut_connection_and_a_timeout_are_model_errors(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai(timeout_s=0.5)
    fake.queue(Reply(kind="drop"))
    with pytest.raises(DocqaError) as info:
        embedder.embed(["cut off"])
    assert _one_line_model_error(info.value, fake).status is None
    fake.queue(Reply(kind="hang", delay_s=5))
    with pytest.raises(DocqaError) as info:
        embedder.embed(["too slow"])
    assert "timed out" in _one_line_model_error(info.value, fake).reason


def test_openai_a_reply_with_rows_missing_is_a_model_error(
        fake: FakeOpenAI, make_openai: MakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = make_openai()
    _rewrite_replies(fake, monkeypatch, lambda data: data[:-1])
    with pytest.raises(DocqaError) as info:
        embedder.embed(_texts(3))
    assert "asked for 3 embeddings, got 2" in _one_line_model_error(info.value, fake).reason


def test_openai_a_malformed_reply_is_a_model_error(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai()
    fake.queue(Reply(kind="malformed"))
    with pytest.raises(DocqaError) as info:
        embedder.embed(["malformed"])
    _one_line_model_error(info.value, fake)


@pytest.mark.xfail(strict=True, reason=(
    "ModelError.reason is the SDK's 'Error code: 500 - {...}' with the Python repr of the "
    "JSON body, not the provider's message"))
def test_openai_error_reason_is_the_providers_message(
        fake: FakeOpenAI, make_openai: MakeOpenAI) -> None:
    embedder = make_openai()
    fake.queue(Reply(kind="status", status=500))
    with pytest.raises(ModelError) as info:
        embedder.embed(["anything"])
    assert info.value.reason == "fake error 500"
