"""The opened kernel: settings, embedder, BM25 encoder, versioned index and catalog, checked
against each other and recovered after an interrupted run. Ingest and evaluation work on a
``Kernel``; the application (``docqa.services``) chooses the adapters and adds what is not
retrieval (the query log)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.pipeline import Answerer, AnswerOptions
from retrieval.bm25 import Bm25Encoder
from retrieval.errors import IndexError_
from retrieval.ports import ChatModel, Embedder
from retrieval.search.retriever import Retriever
from retrieval.settings import Settings
from retrieval.store.catalog import Catalog
from retrieval.store.index import VectorIndex
from retrieval.types import DocStatus

log = logging.getLogger(__name__)


@dataclass
class Kernel:
    settings: Settings
    embedder: Embedder
    sparse: Bm25Encoder
    index: VectorIndex
    catalog: Catalog
    _retriever: Retriever | None = field(default=None, init=False, repr=False)

    def retriever(self) -> Retriever:
        """One retriever per kernel, so its cache of document names is built once."""
        if self._retriever is None:
            self._retriever = Retriever(self.embedder, self.sparse, self.index, self.catalog,
                                        multi_query=self.settings.multi_query)
        return self._retriever

    def answer_options(self) -> AnswerOptions:
        s = self.settings
        return AnswerOptions(top_k=s.top_k, context_tokens=s.context_tokens,
                             answer_tokens=s.answer_tokens, price_in_per_m=s.llm_price_in,
                             price_out_per_m=s.llm_price_out,
                             deadline_s=s.llm_deadline_s, model_queries=s.llm_search_queries,
                             model_rerank=s.llm_rerank)

    def new_answerer(self, chat: ChatModel | None, *, retriever: Retriever | None = None,
                     options: AnswerOptions | None = None) -> Answerer:
        """A fresh answerer (nothing shared is changed): ``chat`` None answers extractively."""
        extractive = ExtractiveAnswerer(self.embedder, threshold=self.settings.refuse_below)
        return Answerer(retriever or self.retriever(), extractive, chat,
                        options or self.answer_options())

    def close(self) -> None:
        self.index.close()
        self.catalog.close()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_embedder(catalog: Catalog, index: VectorIndex, embedder: Embedder,
                   collection: str) -> None:
    """Refuse an index built by another embedder; record the embedder of a new one."""
    key = f"embedder:{collection}"
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


def recover(catalog: Catalog, index: VectorIndex) -> None:
    """Finish or roll back what an interrupted ingest or delete left behind.

    The catalog is committed before ``publish``; so a document the catalog calls live but
    whose points are still pending is published now, and any other pending points belong to
    an ingest that never committed and are removed.
    """
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
