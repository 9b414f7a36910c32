"""Orchestration (heat) stack actions.

A stack is addressed by name or id: heat redirects ``/stacks/{name_or_id}``
to ``/stacks/{name}/{id}``, and the client follows the redirect. Create and
the output actions return heat's response body, as heatclient does, so
workflows written for Mistral read ``stack.id`` and ``output.output_value``.
"""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, RunContext, ServiceRequirement, action
from plugins.openstack.bodies import compact, json_body, member
from plugins.openstack.paging import collect
from plugins.openstack.waiting import Observation, StatusSet, wait_for_status

#: Orchestration API v1, which has no microversions.
ORCHESTRATION = ServiceRequirement("orchestration", 1)
#: Stack statuses that mean failure. ROLLBACK_COMPLETE means a create or
#: update failed and heat rolled it back.
STACK_FAILURES = ("*_FAILED", "ROLLBACK_COMPLETE")

Template = dict[str, Any] | str


def _stack_path(stack_id: str) -> str:
    if not stack_id:
        raise ActionError("stack_id is empty; give a stack name or id")
    return f"/stacks/{stack_id}"


def show_stack(
    context: RunContext, stack_id: str, resolve_outputs: bool = True
) -> dict[str, Any]:
    """Return the body of one stack."""
    path = _stack_path(stack_id)
    params = None if resolve_outputs else {"resolve_outputs": False}
    response = context.services["orchestration"].get(path, params=params)
    return member(response, "stack", f"orchestration GET {path}")


def _template_fields(
    template: Template | None,
    template_url: str | None,
    parameters: dict[str, Any] | None,
    environment: dict[str, Any] | None,
    files: dict[str, str] | None,
    timeout_mins: int | None,
) -> dict[str, Any]:
    return compact(
        {
            "template": template,
            "template_url": template_url,
            "parameters": parameters,
            "environment": environment,
            "files": files,
            "timeout_mins": timeout_mins,
        }
    )


@action("heat.stacks_list", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_list(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    show_nested: bool = False,
    global_tenant: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List stacks.

    Args:
        filters: Query parameters such as stack_name, stack_status or tags.
        show_nested: Include nested stacks.
        global_tenant: List the stacks of every project (admin only).
        limit: Maximum number of stacks to return; all when None.
    """
    params: dict[str, Any] = dict(filters or {})
    if show_nested:
        params["show_nested"] = True
    if global_tenant:
        params["global_tenant"] = True
    if limit is not None:
        params["limit"] = limit
    client = context.services["orchestration"]
    return collect(client, "/stacks", "stacks", params=params, limit=limit)


@action("heat.stacks_get", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_get(
    context: RunContext, stack_id: str, resolve_outputs: bool = True
) -> dict[str, Any]:
    """Show a stack with its status, parameters and outputs.

    Args:
        stack_id: Name or id of the stack.
        resolve_outputs: Include the outputs' values.
    """
    return show_stack(context, stack_id, resolve_outputs)


@action("heat.stacks_create", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_create(
    context: RunContext,
    stack_name: str,
    template: Template | None = None,
    template_url: str | None = None,
    parameters: dict[str, Any] | None = None,
    environment: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    timeout_mins: int | None = None,
    disable_rollback: bool | None = None,
    tags: list[str] | str | None = None,
) -> dict[str, Any]:
    """Create a stack and return heat's response, {"stack": {"id", "links"}}.

    Wait for CREATE_COMPLETE with heat.stacks_wait_for_status.

    Args:
        stack_name: Name of the stack.
        template: The template, as an object or as YAML or JSON text.
        template_url: URL heat fetches the template from, instead of template.
        parameters: Template parameters.
        environment: Environment with parameters, resource_registry and more.
        files: Files the template refers to, by name.
        timeout_mins: Minutes before the create fails.
        disable_rollback: Keep a failed stack instead of deleting it; heat's
            default is true.
        tags: Stack tags, as a list or as heat's comma-separated text, which
            heatclient passes on.
    """
    if (template is None) == (template_url is None):
        raise ActionError("give exactly one of template and template_url")
    body = _template_fields(
        template, template_url, parameters, environment, files, timeout_mins
    )
    body["stack_name"] = stack_name
    if disable_rollback is not None:
        body["disable_rollback"] = disable_rollback
    if tags:
        body["tags"] = tags if isinstance(tags, str) else ",".join(tags)
    response = context.services["orchestration"].post("/stacks", json=body)
    result = json_body(response, "orchestration POST /stacks")
    if not isinstance(result, dict) or not isinstance(result.get("stack"), dict):
        raise ActionError(
            "orchestration POST /stacks returned no stack", data={"body": result}
        )
    return result


@action("heat.stacks_update", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_update(
    context: RunContext,
    stack_id: str,
    template: Template | None = None,
    template_url: str | None = None,
    parameters: dict[str, Any] | None = None,
    environment: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    timeout_mins: int | None = None,
    existing: bool = False,
) -> None:
    """Update a stack; wait for UPDATE_COMPLETE with heat.stacks_wait_for_status.

    Args:
        stack_id: Name or id of the stack.
        template: The new template, as an object or as YAML or JSON text.
        template_url: URL of the new template, instead of template.
        parameters: Template parameters.
        environment: Environment with parameters, resource_registry and more.
        files: Files the template refers to, by name.
        timeout_mins: Minutes before the update fails.
        existing: Patch the stack: keep its template, parameters and
            environment where not given. Otherwise they are replaced.
    """
    if template is not None and template_url is not None:
        raise ActionError("give template or template_url, not both")
    if not existing and template is None and template_url is None:
        raise ActionError(
            "a full update needs template or template_url; set existing to true "
            "to change only parameters"
        )
    body = _template_fields(
        template, template_url, parameters, environment, files, timeout_mins
    )
    client = context.services["orchestration"]
    path = _stack_path(stack_id)
    if existing:
        client.patch(path, json=body)
    else:
        client.put(path, json=body)


@action("heat.stacks_delete", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_delete(context: RunContext, stack_id: str) -> None:
    """Delete a stack; wait for DELETE_COMPLETE with heat.stacks_wait_for_status.

    Args:
        stack_id: Name or id of the stack.
    """
    context.services["orchestration"].delete(_stack_path(stack_id))


@action("heat.stacks_output_list", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_output_list(context: RunContext, stack_id: str) -> dict[str, Any]:
    """List a stack's outputs as {"outputs": [{"output_key", "description"}]}.

    Args:
        stack_id: Name or id of the stack.
    """
    path = f"{_stack_path(stack_id)}/outputs"
    response = context.services["orchestration"].get(path)
    body = json_body(response, f"orchestration GET {path}")
    if not isinstance(body, dict) or not isinstance(body.get("outputs"), list):
        raise ActionError(
            f"orchestration GET {path} returned no outputs", data={"body": body}
        )
    return body


@action("heat.stacks_output_show", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_output_show(
    context: RunContext, stack_id: str, output_key: str
) -> dict[str, Any]:
    """Show one stack output as {"output": {"output_key", "output_value", ...}}.

    An output that heat could not resolve carries ``output_error``.

    Args:
        stack_id: Name or id of the stack.
        output_key: Key of the output.
    """
    path = f"{_stack_path(stack_id)}/outputs/{output_key}"
    response = context.services["orchestration"].get(path)
    return {"output": member(response, "output", f"orchestration GET {path}")}


@action("heat.resources_list", version="1.0.0", requirements=(ORCHESTRATION,))
def resources_list(
    context: RunContext,
    stack_id: str,
    nested_depth: int | None = None,
    filters: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """List the resources of a stack.

    Args:
        stack_id: Name or id of the stack.
        nested_depth: Also list the resources of nested stacks this deep.
        filters: Query parameters such as type, status or name.
    """
    params: dict[str, Any] = dict(filters or {})
    if nested_depth is not None:
        params["nested_depth"] = nested_depth
    path = f"{_stack_path(stack_id)}/resources"
    client = context.services["orchestration"]
    return collect(client, path, "resources", params=params)


@action("heat.stacks_wait_for_status", version="1.0.0", requirements=(ORCHESTRATION,))
def stacks_wait_for_status(
    context: RunContext,
    stack_id: str,
    status: str | list[str] = "CREATE_COMPLETE",
    failure_statuses: list[str] | None = None,
    timeout: float = 3600,
    poll_interval: float = 10,
) -> dict[str, Any]:
    """Wait until a stack reaches a status; return the stack.

    The status DELETED means heat no longer finds the stack. The error on
    failure names the last status, the failure statuses and the stack's
    status reason.

    Args:
        stack_id: Name or id of the stack.
        status: Expected stack_status, or several, such as CREATE_COMPLETE.
            Shell-style patterns match too.
        failure_statuses: Statuses or patterns that end the wait with an
            error; *_FAILED and ROLLBACK_COMPLETE when None.
        timeout: Maximum seconds to wait.
        poll_interval: Seconds between reads.
    """
    expected = StatusSet.of(status)
    failures = StatusSet.of(
        STACK_FAILURES if failure_statuses is None else failure_statuses
    )

    def read() -> Observation:
        stack = show_stack(context, stack_id, resolve_outputs=False)
        return Observation(stack.get("stack_status"), stack)

    return wait_for_status(
        read,
        resource=f"stack {stack_id}",
        expected=expected,
        failures=failures,
        timeout=timeout,
        poll_interval=poll_interval,
        explain=lambda stack: stack.get("stack_status_reason") or None,
    )


ACTIONS = [
    stacks_list,
    stacks_get,
    stacks_create,
    stacks_update,
    stacks_delete,
    stacks_output_list,
    stacks_output_show,
    resources_list,
    stacks_wait_for_status,
]
