"""The composition root: adapters chosen from settings, the kernel opened and recovered, and
the application's own parts added (the query log around every answer). The edges (CLI, app,
benches) call ``open_services``; everything below them receives collaborators."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from docqa.audit import AuditLog
from docqa.conversations import ConversationStore
from docqa.query_log import QueryLog
from docqa.storage import secure_data_dir
from retrieval.answer.pipeline import Answer, Answerer, AnswerEvent
from retrieval.bm25 import Bm25Encoder
from retrieval.kernel import Kernel, check_embedder, recover
from retrieval.ports import ChatModel, Embedder, Message
from retrieval.settings import Settings
from retrieval.store.catalog import Catalog
from retrieval.store.index import VectorIndex


class LoggedAnswerer(Answerer):
    """An answerer whose every answer is written to the query log (users' questions; the
    evaluation uses plain answerers)."""

    def __init__(self, base: Answerer, log: QueryLog) -> None:
        super().__init__(base.retriever, base.extractive, base.chat, base.options)
        self.log = log

    def stream(self, question: str, *, history: Sequence[Message] = (),
               groups: Sequence[str] | None = None, user: str = "",
               scope: Sequence[str] | None = None) -> Iterator[AnswerEvent]:
        for event in super().stream(question, history=history, groups=groups, user=user,
                                    scope=scope):
            if event.kind == "done" and event.answer is not None:
                event = AnswerEvent("done", answer=self._record(event.answer, groups, user))
            yield event

    def _record(self, answer: Answer, groups: Sequence[str] | None, user: str) -> Answer:
        query_id = self.log.record(
            user=user, groups=tuple(groups) if groups is not None else None,
            question=answer.question, standalone=answer.standalone, answer=answer.text,
            mode=answer.mode, refused=answer.refused, verified=answer.verified,
            supported=answer.supported,
            hits=[{"doc_id": h.chunk.doc_id, "source": h.chunk.source,
                   "page_start": h.chunk.page_start, "page_end": h.chunk.page_end,
                   "score": round(h.score, 6)} for h in answer.hits],
            citations=[c.as_json() for c in answer.citations],
            prompt_tokens=answer.usage.prompt_tokens,
            completion_tokens=answer.usage.completion_tokens, cost_usd=answer.usage.cost_usd,
            timings=answer.timings_ms, error=" ".join(answer.warnings))
        return replace(answer, query_id=query_id)


@dataclass
class Services(Kernel):
    queries: QueryLog = field(kw_only=True)
    #: the audit log (docqa.audit); None where nothing is audited (benches, evaluations)
    audit: AuditLog | None = field(default=None, kw_only=True)
    #: the users' saved conversations (docqa.conversations); None where no one converses
    conversations: ConversationStore | None = field(default=None, kw_only=True)
    _answerers: dict[bool, LoggedAnswerer] = field(default_factory=dict, init=False,
                                                   repr=False)

    def close(self) -> None:
        super().close()
        self.queries.close()
        if self.audit is not None:
            self.audit.close()
        if self.conversations is not None:
            self.conversations.close()

    def __enter__(self) -> Services:
        return self

    def answerer(self, chat: ChatModel | None = None, *, offline: bool = False) -> Answerer:
        """The logged answerer: with ``chat`` if given, else the configured model when an
        API key is set (``offline`` forces extractive answers). The configured ones are made
        once, so every question reuses the model client and its connections."""
        if chat is not None:
            return LoggedAnswerer(self.new_answerer(chat), self.queries)
        if offline not in self._answerers:
            configured = None if offline else build_chat(self.settings)
            self._answerers[offline] = LoggedAnswerer(self.new_answerer(configured),
                                                      self.queries)
        return self._answerers[offline]


def build_chat(settings: Settings) -> ChatModel | None:
    """The configured model (when an API key is set), else None: answers are extractive."""
    if settings.openai_api_key is None:
        return None
    from retrieval.adapters.openai_compat import OpenAIChatModel

    return OpenAIChatModel.from_settings(settings)


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai":
        from retrieval.adapters.openai_compat import OpenAIEmbedder

        return OpenAIEmbedder.from_settings(settings)
    from retrieval.adapters.minilm_onnx import chosen_runtime

    runtime = chosen_runtime(settings.embedder_runtime)  # auto -> onnx when exported, else torch
    if runtime == "torch":
        from retrieval.adapters.minilm import MiniLMEmbedder

        return MiniLMEmbedder(threads=settings.torch_threads, batch_size=settings.embed_batch)
    from retrieval.adapters.minilm_onnx import MiniLMOnnxEmbedder

    # One unpadded text per run (the adapter's default): measured faster than padded batches.
    return MiniLMOnnxEmbedder(precision="int8" if runtime == "onnx-int8" else "fp32",
                              threads=settings.torch_threads)


def build_index(settings: Settings) -> VectorIndex:
    if settings.qdrant_url:
        from retrieval.adapters.qdrant_server import QdrantServerStore

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return VectorIndex(QdrantServerStore(settings.collection, url=settings.qdrant_url,
                                             api_key=key, timeout_s=settings.qdrant_timeout_s))
    from retrieval.adapters.qdrant_embedded import EmbeddedQdrantStore
    from retrieval.store.dense_search import DenseSearch

    dense = DenseSearch(exact_below=settings.exact_search_below, hnsw_ef=settings.hnsw_ef,
                        build_after=settings.index_build_after)
    return VectorIndex(EmbeddedQdrantStore(settings.embedded_index_path, dense))


def open_services(settings: Settings, embedder: Embedder | None = None,
                  index: VectorIndex | None = None) -> Services:
    """Open everything, check the index was built by this embedder, and recover. The data
    directory is made owner-only first (``docqa.storage``)."""
    secure_data_dir(settings.data_dir)
    embedder = embedder or build_embedder(settings)
    catalog = Catalog(settings.catalog_path)
    index = index or build_index(settings)
    check_embedder(catalog, index, embedder, settings.collection)
    services = Services(settings, embedder, Bm25Encoder(), index, catalog,
                        queries=QueryLog(settings.catalog_path),
                        audit=AuditLog(settings.audit_path),
                        conversations=ConversationStore(settings.conversations_path))
    recover(catalog, index)
    return services
