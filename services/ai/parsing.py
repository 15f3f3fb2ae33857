"""Reading structured answers out of a model's text."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's answer — code fences and prose around it tolerated — or
    None when there is none."""
    raw = _FENCE.sub("", text.strip())
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(raw[start:end + 1])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
