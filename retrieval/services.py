"""Build the collaborators from settings (the edges call this) and keep index and catalog
consistent after an interrupted run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from retrieval.answering import Answerer, AnswerOptions
from retrieval.catalog import Catalog
from retrieval.chat import ChatModel
from retrieval.embedder import Embedder
from retrieval.errors import IndexError_
from retrieval.extractive import ExtractiveAnswerer
from retrieval.index import VectorIndex
from retrieval.query_log import QueryLog
from retrieval.search import Retriever
from retrieval.settings import Settings
from retrieval.sparse import Bm25Encoder
from retrieval.types import DocStatus

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    embedder: Embedder
    sparse: Bm25Encoder
    index: VectorIndex
    catalog: Catalog
    queries: QueryLog

    def close(self) -> None:
        self.index.close()
        self.catalog.close()
        self.queries.close()

    _retriever: Retriever | None = field(default=None, init=False, repr=False)
    _answerers: dict[bool, Answerer] = field(default_factory=dict, init=False, repr=False)

    def retriever(self) -> Retriever:
        """One retriever per services, so its cache of document names is built once."""
        if self._retriever is None:
            self._retriever = Retriever(self.embedder, self.sparse, self.index, self.catalog,
                                        multi_query=self.settings.multi_query)
        return self._retriever

    def answerer(self, chat: ChatModel | None = None, *, offline: bool = False) -> Answerer:
        """The answerer: with ``chat`` if given, else the configured model when an API key
        is set (``offline`` forces extractive answers). The configured ones are made once,
        so every question reuses the model client and its connections."""
        if chat is not None:
            return self._build_answerer(chat, offline=offline)
        if offline not in self._answerers:
            self._answerers[offline] = self._build_answerer(None, offline=offline)
        return self._answerers[offline]

    def _build_answerer(self, chat: ChatModel | None, *, offline: bool) -> Answerer:
        s = self.settings
        if chat is None and not offline and s.openai_api_key is not None:
            from retrieval.openai_client import OpenAIChatModel

            chat = OpenAIChatModel.from_settings(s)
        options = AnswerOptions(top_k=s.top_k, context_tokens=s.context_tokens,
                                answer_tokens=s.answer_tokens, price_in_per_m=s.llm_price_in,
                                price_out_per_m=s.llm_price_out)
        extractive = ExtractiveAnswerer(self.embedder, threshold=s.refuse_below)
        return Answerer(self.retriever(), extractive, chat, options, self.queries)

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai":
        from retrieval.openai_client import OpenAIEmbedder

        return OpenAIEmbedder.from_settings(settings)
    from retrieval.embed_local import MiniLMEmbedder

    return MiniLMEmbedder(threads=settings.torch_threads, batch_size=settings.embed_batch)


def build_index(settings: Settings) -> VectorIndex:
    if settings.qdrant_url:
        from retrieval.qdrant_server_index import QdrantServerIndex

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantServerIndex(settings.collection, url=settings.qdrant_url, api_key=key,
                                 timeout_s=settings.qdrant_timeout_s)
    from retrieval.qdrant_edge_index import EmbeddedQdrantIndex

    return EmbeddedQdrantIndex(settings.embedded_index_path)


def open_services(settings: Settings, embedder: Embedder | None = None,
                  index: VectorIndex | None = None) -> Services:
    """Open everything, check the index was built by this embedder, and recover."""
    embedder = embedder or build_embedder(settings)
    catalog = Catalog(settings.catalog_path)
    index = index or build_index(settings)
    key = f"embedder:{settings.collection}"
    built_with = catalog.meta(key)
    if built_with is not None and built_with != embedder.name:
        raise IndexError_(
            index.location,
            f"it was built with the embedder {built_with!r} but {embedder.name!r} is configured;"
            " run `docqa reindex` or set DOCQA_COLLECTION to a new collection",
        )
    index.ensure_ready(embedder.dimension, embedder.name)
    if built_with is None:
        catalog.set_meta(key, embedder.name)
    services = Services(settings, embedder, Bm25Encoder(), index, catalog,
                        QueryLog(settings.catalog_path))
    recover(services)
    return services


def recover(services: Services) -> None:
    """Finish or roll back what an interrupted ingest or delete left behind.

    The catalog is committed before ``publish``; so a document the catalog calls live but
    whose points are still pending is published now, and any other pending points belong to
    an ingest that never committed and are removed.
    """
    catalog, index = services.catalog, services.index
    for record in catalog.list([DocStatus.DELETING]):
        index.delete_document(record.doc_id)
        catalog.delete(record.doc_id)
        log.warning("finished interrupted delete of %s", record.source)
    for record in catalog.list([DocStatus.INDEXED, DocStatus.NEEDS_OCR]):
        if not record.published:
            index.publish(record.doc_id, record.version)
            catalog.update(record.doc_id, published=True)
            log.warning("finished interrupted publish of %s", record.source)
    removed = index.delete_unpublished()
    if removed:
        log.warning("removed %d chunks of an interrupted ingest", removed)
