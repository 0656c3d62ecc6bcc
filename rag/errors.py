"""Domain errors. Each message tells the user what to do next.

The CLI turns a RagError into one line and exit code 1 (2 for UsageError);
the UI turns it into gr.Error. Anything else is a bug and keeps its traceback.
"""


class RagError(Exception):
    """Base class for errors a user can fix."""

    exit_code = 1


class UsageError(RagError):
    exit_code = 2


class ConfigError(RagError):
    pass


class EmptyQuestion(UsageError):
    def __init__(self, msg: str = "The question is empty: type a question about your documents."):
        super().__init__(msg)


class QuestionTooLong(UsageError):
    pass


class IndexNotBuilt(RagError):
    def __init__(self, msg: str = "No documents are indexed yet: run `rag ingest` first (or upload some in the UI)."):
        super().__init__(msg)


class EmbeddingMismatch(RagError):
    pass


class StoreUnavailable(RagError):
    pass


class LLMUnavailable(RagError):
    pass


class NoDocuments(UsageError):
    pass
