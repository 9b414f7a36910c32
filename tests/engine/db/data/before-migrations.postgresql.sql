-- The tables that Levante created with SQLAlchemy's create_all before it had
-- migrations, as that code emitted them for postgresql: the engine tables, then
-- the registry tables after the '-- registry' line.

CREATE TABLE workflow_definitions (
	id VARCHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	namespace VARCHAR(255) NOT NULL,
	project_id VARCHAR(128) NOT NULL,
	definition TEXT NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	tags JSON,
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_wf_def_name ON workflow_definitions (project_id, namespace, name);

CREATE TABLE executions (
	id VARCHAR(36) NOT NULL,
	workflow_name VARCHAR(255) NOT NULL,
	namespace VARCHAR(255) NOT NULL,
	project_id VARCHAR(128) NOT NULL,
	description TEXT NOT NULL,
	definition TEXT NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	state VARCHAR(20) NOT NULL,
	state_info TEXT,
	input JSON,
	env JSON,
	params JSON,
	context JSON,
	globals JSON,
	output JSON,
	cloud VARCHAR(255),
	resolutions JSON,
	parent_task_id VARCHAR(36),
	root_execution_id VARCHAR(36),
	active_tasks INTEGER NOT NULL,
	task_seq INTEGER NOT NULL,
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	finished_at TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (id)
);

CREATE INDEX ix_exec_parent ON executions (parent_task_id);

CREATE INDEX ix_executions_state ON executions (state);

CREATE TABLE task_executions (
	id VARCHAR(36) NOT NULL,
	execution_id VARCHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	seq INTEGER NOT NULL,
	state VARCHAR(20) NOT NULL,
	state_info TEXT,
	parents JSON,
	published JSON,
	result JSON,
	items JSON,
	runtime JSON,
	processed BOOLEAN NOT NULL,
	error_handled BOOLEAN NOT NULL,
	has_next BOOLEAN NOT NULL,
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	started_at TIMESTAMP WITHOUT TIME ZONE,
	finished_at TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (id)
);

CREATE INDEX ix_task_exec_name ON task_executions (execution_id, name);

CREATE INDEX ix_task_exec ON task_executions (execution_id, seq);

CREATE TABLE action_executions (
	id VARCHAR(36) NOT NULL,
	task_id VARCHAR(36) NOT NULL,
	execution_id VARCHAR(36) NOT NULL,
	action VARCHAR(255) NOT NULL,
	action_version VARCHAR(64),
	item_index INTEGER NOT NULL,
	state VARCHAR(20) NOT NULL,
	input JSON,
	run_input JSON,
	output JSON,
	error TEXT,
	is_async BOOLEAN NOT NULL,
	lease_owner VARCHAR(128),
	lease_expires TIMESTAMP WITHOUT TIME ZONE,
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	finished_at TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (id)
);

CREATE INDEX ix_action_executions_execution_id ON action_executions (execution_id);

CREATE INDEX ix_action_exec_state ON action_executions (state);

CREATE INDEX ix_action_executions_task_id ON action_executions (task_id);

CREATE TABLE jobs (
	id SERIAL NOT NULL,
	kind VARCHAR(40) NOT NULL,
	execution_id VARCHAR(36) NOT NULL,
	task_id VARCHAR(36),
	due_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	payload JSON,
	lease_owner VARCHAR(128),
	lease_expires TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (id)
);

CREATE INDEX ix_jobs_due_at ON jobs (due_at);

CREATE INDEX ix_jobs_execution_id ON jobs (execution_id);

CREATE TABLE environments (
	id VARCHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	project_id VARCHAR(128) NOT NULL,
	description TEXT NOT NULL,
	variables JSON,
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_environment_name ON environments (project_id, name);

CREATE TABLE workbooks (
	id VARCHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	namespace VARCHAR(255) NOT NULL,
	project_id VARCHAR(128) NOT NULL,
	definition TEXT NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	tags JSON,
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_workbook_name ON workbooks (project_id, namespace, name);

-- registry

CREATE TABLE registry_plugins (
	id SERIAL NOT NULL,
	name VARCHAR(255) NOT NULL,
	target VARCHAR(512) NOT NULL,
	status VARCHAR(16) NOT NULL,
	distribution VARCHAR(255),
	version VARCHAR(64),
	error TEXT,
	refreshed_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE registry_actions (
	id SERIAL NOT NULL,
	name VARCHAR(255) NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE registry_clouds (
	name VARCHAR(255) NOT NULL,
	region VARCHAR(255),
	discovered_at TIMESTAMP WITH TIME ZONE NOT NULL,
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
	versions JSON NOT NULL,
	PRIMARY KEY (name)
);

CREATE TABLE registry_action_versions (
	id SERIAL NOT NULL,
	action_id INTEGER NOT NULL,
	version VARCHAR(64) NOT NULL,
	major INTEGER NOT NULL,
	minor INTEGER NOT NULL,
	patch INTEGER NOT NULL,
	plugin VARCHAR(255),
	description TEXT NOT NULL,
	is_async BOOLEAN NOT NULL,
	deprecated_reason TEXT,
	deprecated_replacement VARCHAR(512),
	input_schema JSON NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (action_id, version),
	FOREIGN KEY(action_id) REFERENCES registry_actions (id) ON DELETE CASCADE
);

CREATE TABLE registry_requirements (
	id SERIAL NOT NULL,
	action_version_id INTEGER NOT NULL,
	service_type VARCHAR(64) NOT NULL,
	major INTEGER NOT NULL,
	min_microversion VARCHAR(16),
	max_microversion VARCHAR(16),
	removed_in VARCHAR(64),
	PRIMARY KEY (id),
	FOREIGN KEY(action_version_id) REFERENCES registry_action_versions (id) ON DELETE CASCADE
);

CREATE INDEX ix_registry_requirements_service_type ON registry_requirements (service_type);
