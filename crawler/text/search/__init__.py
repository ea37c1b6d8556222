"""Search that understands inflection: the index kept beside the articles and the
query expansion that reads it.

SQLite full-text search matches exact tokens, so the index keeps, next to the FTS5
table over the original text, a vocabulary that maps each morphology key
(:func:`crawler.text.morphology.word_keys`) to the word forms seen in the articles. A
query word is replaced by every form sharing one of its keys, so «ремесленниками»
finds «ремесленники» and highlighting still marks the words as printed.

>>> from crawler.text.search import query_terms
>>> [t.keys for t in query_terms("Ремёслами")]
[frozenset({'ремесло'})]
"""

from crawler.text.search.index import (
    FTS_TABLE,
    VOCAB_TABLE,
    create_search_schema,
    index_article,
    rebuild_index,
)
from crawler.text.search.query import (
    Term,
    match_expression,
    query_terms,
    register_functions,
)

__all__ = [
    "FTS_TABLE",
    "VOCAB_TABLE",
    "Term",
    "create_search_schema",
    "index_article",
    "match_expression",
    "query_terms",
    "rebuild_index",
    "register_functions",
]
