"""The fake OpenAI server speaks a wire format the real ``openai`` client understands."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.fake_openai import FakeOpenAI, Reply, embedding_for

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Answer from the documents only."},
    {"role": "user", "content": "What is the capital of France?"},
]
PROMPT_WORDS = 5 + 6

MakeClient = Callable[..., openai.OpenAI]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeClient]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # a developer's proxy must not apply
    made: list[openai.OpenAI] = []

    def make(**kwargs: object) -> openai.OpenAI:
        options: dict[str, object] = {"max_retries": 0, "timeout": 5.0}
        options.update(kwargs)
        c = openai.OpenAI(base_url=fake.base_url, api_key="test-key",
                          **options)  # type: ignore[arg-type]
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def test_streaming_chat_concatenates_to_the_text_and_reports_usage(
        fake: FakeOpenAI, client: MakeClient) -> None:
    text = "Paris is the capital of France, per page 3."
    fake.queue(Reply(text=text, chunk_chars=5))
    stream = client().chat.completions.create(
        model="gpt-test", messages=MESSAGES, stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)

    assert chunks[0].choices[0].delta.role == "assistant"
    contents = [c.choices[0].delta.content for c in chunks if c.choices]
    assert "".join(x or "" for x in contents) == text
    assert sum(1 for x in contents if x) == math.ceil(len(text) / 5)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop"
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.prompt_tokens == PROMPT_WORDS
    assert last.usage.completion_tokens == len(text.split())
    assert last.usage.total_tokens == PROMPT_WORDS + len(text.split())
    assert all(c.model == "gpt-test" for c in chunks)


def test_streaming_without_include_usage_sends_no_usage_chunk(
        fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(text="short answer"))
    chunks = list(client().chat.completions.create(
        model="gpt-test", messages=MESSAGES, stream=True))
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "short answer"


def test_non_streaming_chat(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(text="Paris."))
    completion = client().chat.completions.create(
        model="gpt-test", messages=MESSAGES)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "Paris."
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == PROMPT_WORDS
    assert completion.usage.completion_tokens == 1
    assert completion.model == "gpt-test"


def test_requests_record_what_was_sent(fake: FakeOpenAI, client: MakeClient) -> None:
    client().chat.completions.create(
        model="gpt-test", messages=MESSAGES, temperature=0)
    assert len(fake.requests) == 1
    req = fake.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == "Bearer test-key"
    assert req["headers"]["content-type"] == "application/json"
    assert req["body"]["model"] == "gpt-test"
    assert req["body"]["messages"] == MESSAGES
    assert req["body"]["temperature"] == 0


def test_queue_is_consumed_in_order_then_default(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(text="first"), Reply(text="second"))
    c = client()
    answers = [c.chat.completions.create(model="m", messages=MESSAGES)
               .choices[0].message.content for _ in range(3)]
    assert answers == ["first", "second", "OK"]


def test_429_then_success_is_retried(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="status", status=429), Reply(text="after the retry"))
    completion = client(max_retries=1).chat.completions.create(
        model="gpt-test", messages=MESSAGES)
    assert completion.choices[0].message.content == "after the retry"
    assert len(fake.requests) == 2
    assert [r["headers"].get("x-stainless-retry-count") for r in fake.requests] == ["0", "1"]
    assert fake.requests[0]["body"] == fake.requests[1]["body"]


def test_429_carries_retry_after_and_openai_error_shape(
        fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="status", status=429))
    with pytest.raises(openai.RateLimitError) as info:
        client().chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "0"
    assert info.value.code == "rate_limit_exceeded"
    assert isinstance(info.value.body, dict) and "message" in info.value.body


def test_500_without_retries_raises_internal_server_error(
        fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="status", status=500))
    with pytest.raises(openai.InternalServerError) as info:
        client(max_retries=0).chat.completions.create(
            model="m", messages=MESSAGES)
    assert info.value.status_code == 500
    assert len(fake.requests) == 1


def test_status_reply_applies_to_embeddings_too(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="status", status=503))
    with pytest.raises(openai.InternalServerError) as info:
        client().embeddings.create(model="e", input=["x"])
    assert info.value.status_code == 503


def test_hang_makes_the_client_time_out(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="hang", delay_s=10, text="too late"))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(timeout=0.5, max_retries=0).chat.completions.create(
            model="m", messages=MESSAGES)
    assert time.monotonic() - started < 3
    # The server is still serving, and stop() (on fixture exit) does not wait for the hang.
    assert client().chat.completions.create(
        model="m", messages=MESSAGES).choices[0].message.content == "OK"


def test_server_survives_a_client_that_gave_up(
        fake: FakeOpenAI, client: MakeClient, capfd: pytest.CaptureFixture[str]) -> None:
    fake.queue(Reply(kind="hang", delay_s=0.4, text="nobody is listening"))
    with pytest.raises(openai.APITimeoutError):
        client(timeout=0.1).chat.completions.create(
            model="m", messages=MESSAGES)
    time.sleep(0.6)  # the handler wakes up and writes to a closed connection
    c = client()
    assert c.chat.completions.create(
        model="m", messages=MESSAGES).choices[0].message.content == "OK"
    assert "Traceback" not in capfd.readouterr().err


def test_malformed_stream_raises_during_iteration(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="malformed"))
    stream = client().chat.completions.create(
        model="m", messages=MESSAGES, stream=True)
    with pytest.raises(json.JSONDecodeError):
        list(stream)


def test_malformed_non_streaming_body_raises(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="malformed"))
    with pytest.raises((ValueError, openai.OpenAIError)):  # today: json.JSONDecodeError
        client().chat.completions.create(model="m", messages=MESSAGES)


def test_drop_non_streaming_is_a_connection_error(fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="drop", text="half of this body never arrives"))
    with pytest.raises(openai.APIConnectionError):
        client().chat.completions.create(model="m", messages=MESSAGES)


def test_drop_closes_the_stream_after_the_first_content_chunk(
        fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(kind="drop", text="Paris is the capital.", chunk_chars=6))
    stream = client().chat.completions.create(
        model="m", messages=MESSAGES, stream=True)
    received: list[str] = []
    with pytest.raises(Exception):  # noqa: B017 - the transport's "incomplete chunked read"
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Paris "


def test_embeddings_have_the_right_count_dimension_and_order(
        fake: FakeOpenAI, client: MakeClient) -> None:
    texts = ["alpha", "beta", "gamma"]
    response = client().embeddings.create(model="text-embedding-test", input=texts)
    assert [d.index for d in response.data] == [0, 1, 2]
    vectors = [d.embedding for d in response.data]
    assert all(len(v) == 8 for v in vectors)
    assert all(abs(math.fsum(x * x for x in v) - 1) < 1e-5 for v in vectors)
    assert vectors == [embedding_for(t, 8) for t in texts]  # deterministic, base64 decoded
    assert len({tuple(v) for v in vectors}) == 3
    assert response.usage.prompt_tokens == 3
    assert fake.requests[0]["body"]["input"] == texts


def test_embeddings_float_encoding_dimension_and_single_string(client: MakeClient) -> None:
    with FakeOpenAI(embedding_dim=16) as server:
        c = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=5)
        floats = c.embeddings.create(model="e", input="alpha beta", encoding_format="float")
        assert len(floats.data) == 1
        assert floats.data[0].embedding == embedding_for("alpha beta", 16)
        small = c.embeddings.create(model="e", input=["x", "y"], dimensions=4)
        assert [len(d.embedding) for d in small.data] == [4, 4]
        c.close()


def test_models_lists_one_model(client: MakeClient) -> None:
    models = list(client().models.list())
    assert len(models) == 1
    assert models[0].object == "model"


def test_unknown_path_is_a_404_and_consumes_no_reply(
        fake: FakeOpenAI, client: MakeClient) -> None:
    fake.queue(Reply(text="kept for later"))
    with pytest.raises(openai.NotFoundError):
        client().completions.create(model="m", prompt="hi")
    assert client().chat.completions.create(
        model="m", messages=MESSAGES).choices[0].message.content == "kept for later"


def test_stop_is_prompt_with_a_hanging_handler_and_keepalive_connections() -> None:
    server = FakeOpenAI(default=Reply(kind="hang", delay_s=30)).start()
    c = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=0.2)
    with pytest.raises(openai.APITimeoutError):
        c.models.list()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.5
    c.close()
