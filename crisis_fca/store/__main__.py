"""``python -m crisis_fca.store`` prints ``docs/schema.md`` (redirect it to regenerate the file)."""

from __future__ import annotations

from crisis_fca.store.docs import schema_markdown

__all__: list[str] = []

if __name__ == "__main__":
    print(schema_markdown(), end="")
