"""The demo's search index: built from what the other demo loaders made."""

from consilium.search.index import rebuild


def load_demo() -> None:
    rebuild()
