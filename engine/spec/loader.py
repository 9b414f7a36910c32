"""YAML loading that keeps the line of every mapping key and sequence item.

The loader reads YAML the way Mistral 23.0.0 does, with safe types only.
The anchor, alias and ``@`` indicators start plain strings (``&a``, ``*a``
and ``@a`` load as those strings), so aliases can never expand a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from engine.spec.errors import DefinitionError, SpecIssue

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class LineIndex:
    """Source lines (1-based) of the keys and items of loaded containers.

    Containers are looked up by identity, so the index is valid only while
    the loaded data is alive and unchanged.
    """

    def __init__(self) -> None:
        self._key_lines: dict[int, dict[Any, int]] = {}
        self._item_lines: dict[int, list[int]] = {}

    def key_line(self, mapping: object, key: object) -> int | None:
        """Return the line of ``key`` in ``mapping``, or ``None``."""
        lines = self._key_lines.get(id(mapping))
        if lines is None:
            return None
        try:
            return lines.get(key)
        except TypeError:
            return None

    def item_line(self, sequence: object, index: int) -> int | None:
        """Return the line of item ``index`` of ``sequence``, or ``None``."""
        lines = self._item_lines.get(id(sequence))
        if lines is None or not 0 <= index < len(lines):
            return None
        return lines[index]

    def add_mapping(self, mapping: dict[Any, Any], lines: dict[Any, int]) -> None:
        self._key_lines[id(mapping)] = lines

    def add_sequence(self, sequence: list[Any], lines: list[int]) -> None:
        self._item_lines[id(sequence)] = lines


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _LineConstructor(SafeConstructor):
    """Safe constructor that records key and item lines in a ``LineIndex``.

    Plain mappings, sequences and strings are built directly from the node
    tree, which skips the generic constructor's per-node dispatch. Every other
    tag goes through ``SafeConstructor`` unchanged.
    """

    def __init__(self) -> None:
        super().__init__()
        self.line_index = LineIndex()
        self._scalar_tags: dict[tuple[str, Any], str] = {}

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]
        cache_key = (value, implicit)
        tag = self._scalar_tags.get(cache_key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            self._scalar_tags[cache_key] = tag
        return tag

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        return self._build(node)

    def _build(self, node: Node) -> Any:
        tag = node.tag
        if tag == _STR_TAG and node.__class__ is ScalarNode:
            return node.value
        if tag == _TIMESTAMP_TAG:
            # Workflow data is JSON, which has no date type; Mistral 23 also
            # rejects such a definition.
            raise ConstructorError(
                None,
                None,
                f"found the date or time {node.value!r}, which a workflow cannot "
                f"hold; quote it to make it a string: '{node.value}'",
                node.start_mark,
            )
        if tag == _MAP_TAG and isinstance(node, MappingNode):
            return self._build_mapping(node)
        if tag == _SEQ_TAG and isinstance(node, SequenceNode):
            data = [self._build(child) for child in node.value]
            lines = [child.start_mark.line + 1 for child in node.value]
            self.line_index.add_sequence(data, lines)
            return data
        return self.construct_object(node, deep=True)

    def _build_mapping(self, node: MappingNode) -> dict[Any, Any]:
        if any(key_node.tag in _MERGE_TAGS for key_node, _ in node.value):
            self.flatten_mapping(node)
        data: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self._build(key_node)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                ) from None
            data[key] = self._build(value_node)
            lines[key] = key_node.start_mark.line + 1
        self.line_index.add_mapping(data, lines)
        return data


class _PlainIndicatorScanner(Scanner):
    """Scanner that reads ``&``, ``*`` and ``@`` as the start of plain text."""

    def fetch_alias(self) -> None:
        self.fetch_plain()

    def fetch_anchor(self) -> None:
        self.fetch_plain()

    def check_plain(self) -> bool:
        return self.peek() == "@" or bool(super().check_plain())


class _PureLoader(
    Reader, _PlainIndicatorScanner, Parser, Composer, _LineConstructor, Resolver
):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        _PlainIndicatorScanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _LineConstructor.__init__(self)
        Resolver.__init__(self)


_FastLoader: type | None = None
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _CLineLoader(CParser, _LineConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _LineConstructor.__init__(self)
            Resolver.__init__(self)

    _FastLoader = _CLineLoader

#: Text that libyaml may read differently from the pure-Python loader. The
#: first kind is ``&``, ``*``, ``@`` or ``!`` where a token can start: at a
#: line start, after ``-``, ``?`` or ``:`` and blanks, or after a flow
#: indicator. The others are a block scalar header followed by a comment, a
#: tab, and rare line breaks or byte-order marks. Only text without a match is
#: loaded by libyaml. The list comes from comparing both loaders on generated
#: YAML (see the loader tests).
_NEEDS_PURE_LOADER = re.compile(
    r"(?:(?:^|[\r\n])[ ]*|[-?:][ ]+|[\[{,:][ ]*)[&*@!]"
    r"|[|>][-+0-9]*#"
    r"|[\t\x85\u2028\u2029\ufeff]"
)


@dataclass(frozen=True)
class LoadedText:
    """A loaded YAML document and the lines of its keys and items."""

    data: Any
    lines: LineIndex


def load_yaml(text: str, source: str = "<string>") -> LoadedText:
    """Load one YAML document, recording the line of each key and item.

    Raises:
        DefinitionError: the text is not valid YAML, contains more than one
            document, or nests too deeply to load.
    """
    loader_class: type = _PureLoader
    if _FastLoader is not None and not _NEEDS_PURE_LOADER.search(text):
        loader_class = _FastLoader
    loader = None
    try:
        loader = loader_class(text)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        raise DefinitionError([_marked_error_issue(error, source)]) from None
    except ReaderError as error:
        raise DefinitionError([_reader_error_issue(error, text, source)]) from None
    except yaml.YAMLError as error:
        message = f"Invalid YAML: {error}"
        raise DefinitionError([SpecIssue(message, source=source)]) from None
    except RecursionError:
        message = "Invalid YAML: the document nests too deeply to load."
        raise DefinitionError([SpecIssue(message, source=source)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return LoadedText(data, loader.line_index)


def _reader_error_issue(error: ReaderError, text: str, source: str) -> SpecIssue:
    character = error.character
    code = ord(character) if isinstance(character, str) else character
    line = text.count("\n", 0, error.position) + 1
    message = f"Invalid YAML: unacceptable character #x{code:04x}: {error.reason}."
    return SpecIssue(message, line=line, source=source)


def _marked_error_issue(error: yaml.MarkedYAMLError, source: str) -> SpecIssue:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = error.problem or "syntax error"
    message = f"Invalid YAML: {problem}"
    if error.context:
        context_mark = error.context_mark
        if context_mark is not None and context_mark.line + 1 != line:
            message += f" ({error.context} at line {context_mark.line + 1})"
        else:
            message += f" ({error.context})"
    return SpecIssue(message + ".", line=line, source=source)
