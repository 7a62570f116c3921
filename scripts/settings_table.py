"""Print the README's configuration table from ``retrieval.settings.Settings``,
so the documentation lists every setting with its real default (a test compares them).

    python scripts/settings_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import AliasChoices

from retrieval.settings import Settings

# Descriptions for the fields whose Field() has none (the standard OpenAI variable names).
_EXTRA = {
    "openai_api_key": "Key of the OpenAI-compatible server; unset means extractive answers.",
    "openai_base_url": "OpenAI-compatible server (Azure OpenAI, vLLM, Ollama, LiteLLM...).",
}


def table() -> str:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        variable = (" / ".join(str(c) for c in alias.choices)
                    if isinstance(alias, AliasChoices) else f"DOCQA_{name.upper()}")
        if field.default_factory is not None:
            default = "the OS user" if name == "user" else "(computed)"
        elif field.default is None:
            default = "unset"
        else:
            default = f"`{field.default}`"
        meaning = (field.description or _EXTRA.get(name, "")).replace("|", "\\|")
        rows.append(f"| `{variable}` | {default} | {meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
