"""Adapters to other frameworks. `rag.integrations.llamaindex`: a llama-index retriever and index."""
