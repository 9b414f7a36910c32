"""Action registry: plugins, the versioned catalogue and resolution per cloud.

Modules by concept:

- ``discovery``, ``catalog``: load plugins through entry points into a
  ``PluginCatalog``, recording plugins that fail;
- ``models``, ``store``: the registry tables and ``refresh_catalogue``;
- ``cloud``, ``versions``, ``releases``: cloud configuration, API version
  discovery through keystoneauth1 and its cache;
- ``pins``, ``resolution``: version pins and ``resolve``, pure functions;
- ``clients``: keystoneauth1 Adapters that send the chosen microversion;
- ``registry``, ``planning``: what the engine calls (``resolve_for_task``,
  ``Registry.service_clients``, ``check_workflow``);
- ``api``, ``cli``: the REST router and the command-line groups.
"""
