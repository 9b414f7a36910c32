"""Workflow shapes of the HA load: chain, join, with-items and nested.

They follow the benchmark families at a small size, with ``ha.count`` as
the action so every run is recorded. A task named ``safe_*`` is marked
``safe-rerun: true``. A task named ``once_*`` is not; when its executor is
lost it fails and its on-error task ``lost_once_*`` publishes ``"lost"``
under the same key, so the workflow still succeeds and its output shows
which actions were given up. The ``lost_once_*`` tasks run ``std.noop`` and
are safe-rerun, so losing their executor too does not fail the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Value that an on-error task publishes for a task whose executor was lost.
LOST = "lost"


@dataclass(frozen=True)
class Shape:
    """A workflow document to start under load."""

    name: str
    #: Workflow to start in ``text``.
    workflow: str
    text: str


CHAIN = Shape(
    "chain",
    "ha_chain",
    """
version: '2.0'
ha_chain:
  input: [run_key, delay]
  output:
    safe_a: <% $.safe_a %>
    once_b: <% $.once_b %>
    safe_c: <% $.safe_c %>
    once_d: <% $.once_d %>
  tasks:
    safe_a:
      action: ha.count value='a' run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      publish: {safe_a: <% task().result %>}
      on-success: once_b
    once_b:
      action: ha.count value='b' run_key=<% $.run_key %> delay=<% $.delay %>
      publish: {once_b: <% task().result %>}
      on-success: safe_c
      on-error: lost_once_b
    lost_once_b:
      action: std.noop
      safe-rerun: true
      publish: {once_b: lost}
      on-success: safe_c
    safe_c:
      action: ha.count value='c' run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      publish: {safe_c: <% task().result %>}
      on-success: once_d
    once_d:
      action: ha.count value='d' run_key=<% $.run_key %> delay=<% $.delay %>
      publish: {once_d: <% task().result %>}
      on-error: lost_once_d
    lost_once_d:
      action: std.noop
      safe-rerun: true
      publish: {once_d: lost}
""",
)

JOIN = Shape(
    "join",
    "ha_join",
    """
version: '2.0'
ha_join:
  input: [run_key, delay]
  output:
    branches: <% [$.safe_b0, $.safe_b1, $.safe_b2, $.safe_b3] %>
    once_joined: <% $.once_joined %>
  tasks:
    safe_start:
      action: ha.count value=0 run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      on-success: [safe_b0, safe_b1, safe_b2, safe_b3]
    safe_b0:
      action: ha.count value=1 run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      publish: {safe_b0: <% task().result %>}
      on-success: once_joined
    safe_b1:
      action: ha.count value=2 run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      publish: {safe_b1: <% task().result %>}
      on-success: once_joined
    safe_b2:
      action: ha.count value=3 run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      publish: {safe_b2: <% task().result %>}
      on-success: once_joined
    safe_b3:
      action: ha.count value=4 run_key=<% $.run_key %> delay=<% $.delay %>
      safe-rerun: true
      publish: {safe_b3: <% task().result %>}
      on-success: once_joined
    once_joined:
      join: all
      action: ha.count run_key=<% $.run_key %> delay=<% $.delay %>
      input:
        value: <% $.safe_b0 + $.safe_b1 + $.safe_b2 + $.safe_b3 %>
      publish: {once_joined: <% task().result %>}
      on-error: lost_once_joined
    lost_once_joined:
      action: std.noop
      safe-rerun: true
      publish: {once_joined: lost}
""",
)

WITH_ITEMS = Shape(
    "with-items",
    "ha_items",
    """
version: '2.0'
ha_items:
  input: [run_key, delay]
  output:
    safe_items: <% $.safe_items %>
    once_items: <% $.once_items %>
  tasks:
    safe_items:
      with-items: i in <% range(0, 6) %>
      concurrency: 3
      action: ha.count
      input:
        value: <% $.i * 10 %>
        item: <% $.i %>
        run_key: <% $.run_key %>
        delay: <% $.delay %>
      safe-rerun: true
      publish: {safe_items: <% task().result %>}
      on-success: once_items
    once_items:
      with-items: i in <% range(0, 4) %>
      action: ha.count
      input:
        value: <% $.i %>
        item: <% $.i %>
        run_key: <% $.run_key %>
        delay: <% $.delay %>
      publish: {once_items: <% task().result %>}
      on-error: lost_once_items
    lost_once_items:
      action: std.noop
      safe-rerun: true
      publish: {once_items: lost}
""",
)

NESTED = Shape(
    "nested",
    "ha_nested",
    """
version: '2.0'
ha_nested:
  input: [run_key, delay]
  output:
    child_0: <% $.child_0 %>
    child_1: <% $.child_1 %>
  tasks:
    child_0:
      workflow: ha_leaf run_key=<% $.run_key %> delay=<% $.delay %> seed=0
      publish: {child_0: <% task().result %>}
    child_1:
      workflow: ha_leaf run_key=<% $.run_key %> delay=<% $.delay %> seed=1
      publish: {child_1: <% task().result %>}
ha_leaf:
  input: [run_key, delay, seed]
  output:
    safe_x: <% $.safe_x %>
    once_y: <% $.once_y %>
  tasks:
    safe_x:
      action: ha.count run_key=<% $.run_key %> delay=<% $.delay %>
      input:
        value: <% $.seed * 100 %>
      safe-rerun: true
      publish: {safe_x: <% task().result %>}
      on-success: once_y
    once_y:
      action: ha.count run_key=<% $.run_key %> delay=<% $.delay %>
      input:
        value: <% $.seed * 100 + 1 %>
      publish: {once_y: <% task().result %>}
      on-error: lost_once_y
    lost_once_y:
      action: std.noop
      safe-rerun: true
      publish: {once_y: lost}
""",
)

SHAPES: tuple[Shape, ...] = (CHAIN, JOIN, WITH_ITEMS, NESTED)
