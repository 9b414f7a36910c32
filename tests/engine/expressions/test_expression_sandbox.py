"""Workflow text cannot reach Python internals or change the context."""

import pytest

from engine.expressions import (
    ExpressionError,
    ExpressionEvaluationError,
    StaticFunctions,
    evaluate_expression,
)

FUNCTIONS = StaticFunctions()


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ _.__class__ }}",
        "{{ _.d.__class__.__init__.__globals__ }}",
        "{{ uuid.__globals__ }}",
        "{{ uuid.__code__ }}",
        "{{ task.__globals__['_state'] }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ joiner.__init__.__globals__['os'] }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ range.__self__ }}",
        "{{ self }}",
        "{{ self._TemplateReference__context }}",
        "{{ _.l.append(3) }}",
        "{{ _.d.update({'x': 1}) }}",
        "{{ _.d.pop('k') }}",
        "{{ _.d.clear() }}",
        "{{ _.l.sort() }}",
        "{{ ''.format.__globals__ }}",
        "{{ '{0.__class__}'.format('') }}",
        "{{ '{0.__class__.__mro__}'.format(_) }}",
        "{{ _.d | attr('__class__') }}",
        "{% for c in ''.__class__.__mro__ %}{{ c }}{% endfor %}",
        "<% $.d.__class__ %>",
        "<% $.d.__dict__ %>",
        "<% ''.__class__ %>",
        "<% call(eval, ['1']) %>",
        "<% lambda(x => x) %>",
        "<% eval('1') %>",
        "<% getattr($, __class__) %>",
    ],
)
def test_escape_attempt_fails(text: str) -> None:
    context = {"l": [1, 2], "d": {"k": "v"}}
    with pytest.raises(ExpressionError):
        evaluate_expression(text, context, FUNCTIONS)
    assert context == {"l": [1, 2], "d": {"k": "v"}}


def test_unsafe_attribute_message() -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate_expression("{{ ''.__class__ }}", {}, FUNCTIONS)
    assert "access to attribute '__class__' of 'str' object is unsafe" in str(
        caught.value
    )


def test_yaql_cannot_change_context() -> None:
    context = {"d": {"k": "v"}, "l": [1]}
    result = evaluate_expression("<% $.d.set(k, changed) %>", context, FUNCTIONS)
    assert result == {"k": "changed"}
    assert context == {"d": {"k": "v"}, "l": [1]}


def test_mutating_a_result_leaves_context() -> None:
    context = {"d": {"k": [1]}}
    result = evaluate_expression("{{ _.d }}", context, FUNCTIONS)
    result["k"].append(2)
    assert context == {"d": {"k": [1]}}
