CREATE TABLE `agent_gateway_invokes` (
	`run_id` text NOT NULL,
	`tool_call_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`tool` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`ok` integer,
	`result` text,
	PRIMARY KEY(`run_id`, `tool_call_id`)
);
--> statement-breakpoint
CREATE TABLE `agent_run_approvals` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_run_approvals_run` ON `agent_run_approvals` (`run_id`);--> statement-breakpoint
CREATE TABLE `agent_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`thread_id` text NOT NULL,
	`trigger_message_id` text NOT NULL,
	`status` text NOT NULL,
	`segment` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_runs_trigger_message_id_unique` ON `agent_runs` (`trigger_message_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `agent_runs_active` ON `agent_runs` (`thread_id`) WHERE status in ('streaming', 'awaiting_approval');--> statement-breakpoint
CREATE INDEX `agent_runs_status` ON `agent_runs` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `agent_tool_calls` (
	`run_id` text NOT NULL,
	`tool_call_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`message_id` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `tool_call_id`)
);
--> statement-breakpoint
CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`expires_at` integer,
	`requested_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `approvals_status` ON `approvals` (`status`,`requested_at`);--> statement-breakpoint
CREATE TABLE `audit` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `chat_starts` (
	`thread_id` text PRIMARY KEY NOT NULL,
	`approval_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`message_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_starts_approval_id_unique` ON `chat_starts` (`approval_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`payload` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `gateway_approvals` (
	`instance_id` text NOT NULL,
	`request_id` text NOT NULL,
	`approval_id` text NOT NULL,
	PRIMARY KEY(`instance_id`, `request_id`)
);
--> statement-breakpoint
CREATE TABLE `gateway_devices` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `gateway_imports` (
	`instance_id` text NOT NULL,
	`key` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `gateway_links` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`approval_id` text NOT NULL,
	`url` text NOT NULL,
	`token` text NOT NULL,
	`linked` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_links_approval_id_unique` ON `gateway_links` (`approval_id`);--> statement-breakpoint
CREATE TABLE `gateway_outbox` (
	`message_id` text PRIMARY KEY NOT NULL,
	`thread_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`session_key` text NOT NULL,
	`text` text NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gateway_outbox_state` ON `gateway_outbox` (`instance_id`,`state`,`created_at`);--> statement-breakpoint
CREATE TABLE `gateway_sessions` (
	`instance_id` text NOT NULL,
	`key` text NOT NULL,
	`doc` text NOT NULL,
	PRIMARY KEY(`instance_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `gateway_threads` (
	`thread_id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`session_key` text NOT NULL,
	`cursor` text
);
--> statement-breakpoint
CREATE INDEX `gateway_threads_session` ON `gateway_threads` (`instance_id`,`session_key`);--> statement-breakpoint
CREATE TABLE `idempotency` (
	`principal_id` text NOT NULL,
	`key` text NOT NULL,
	`method` text NOT NULL,
	`result` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_at` ON `idempotency` (`at`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`updated_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_status` ON `jobs` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `memory` (
	`key` text PRIMARY KEY NOT NULL,
	`updated_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`thread_id` text NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_id_unique` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_thread` ON `messages` (`thread_id`,`n`);--> statement-breakpoint
CREATE TABLE `room_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `thread_summaries` (
	`thread_id` text PRIMARY KEY NOT NULL,
	`through_n` integer NOT NULL,
	`text` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `threads` (
	`id` text PRIMARY KEY NOT NULL,
	`archived` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`thread_id` text,
	`run_id` text,
	`principal_id` text,
	`purpose` text NOT NULL,
	`model` text NOT NULL,
	`input_tokens` integer,
	`output_tokens` integer,
	`duration_ms` integer NOT NULL,
	`ok` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `usage_at` ON `usage` (`at`);--> statement-breakpoint
CREATE INDEX `usage_thread` ON `usage` (`thread_id`,`at`);--> statement-breakpoint
CREATE INDEX `usage_principal` ON `usage` (`principal_id`,`at`);