"""The metric and label names a PromQL expression uses, read without our own models.

A small tokenizer, enough for the expressions in ops/ (selectors, functions, aggregations
with by/without, binary operators with on/ignoring/group_*). Grafana variables are
accepted where Grafana allows them: in label values and range durations.
"""

from __future__ import annotations

import re

_OPERATOR_WORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)",
                         re.I)
_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\[[^\]]*\]|\{[^}]*\}|(?<![\w.$])[A-Za-z_:][\w:]*'
                    r"(?=\s*(\(?))")
_MATCHER = re.compile(r'\s*([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*"(?:\\.|[^"\\])*"\s*,?')
_LABEL_NAME = re.compile(r"[A-Za-z_]\w*")


def names(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression refers to; raises on what it cannot read."""
    expr = re.sub(r"#[^\n]*", "", expr)  # PromQL comments
    labels: set[str] = set()
    for match in _LABEL_LIST.finditer(expr):
        for name in (x.strip() for x in match.group(2).split(",")):
            if name:
                if not _LABEL_NAME.fullmatch(name):
                    raise ValueError(f"not a label name: {name!r} in {expr!r}")
                labels.add(name)
    expr = _LABEL_LIST.sub(" ", expr)
    metrics: set[str] = set()
    for match in _TOKEN.finditer(expr):
        tok, paren = match.group(0), match.group(1)
        if tok.startswith("{"):
            body = tok[1:-1]
            if _MATCHER.sub("", body).strip():
                raise ValueError(f"cannot read the label matchers {tok!r}")
            labels.update(_MATCHER.findall(body))
        elif tok[0] in '"[' or tok.lower() in _OPERATOR_WORDS or paren:
            continue  # a string, a range, an operator word, or a function/aggregation name
        else:
            metrics.add(tok)
    return metrics, labels
