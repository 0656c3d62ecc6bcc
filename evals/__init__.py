"""Evaluation harness behind `rag eval`: suites, pure metrics, judges and reports."""
