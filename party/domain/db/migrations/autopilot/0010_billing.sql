CREATE TABLE `billing_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `budget_raises` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`subject_id` text NOT NULL,
	`amount` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `budget_raises_subject` ON `budget_raises` (`scope`,`subject_id`,`at`);--> statement-breakpoint
CREATE TABLE `budgets` (
	`scope` text NOT NULL,
	`subject_id` text NOT NULL,
	`limit` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `subject_id`)
);
--> statement-breakpoint
CREATE TABLE `ledger` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`purpose` text,
	`principal_id` text,
	`run_id` text,
	`thread_id` text,
	`project_id` text,
	`task_id` text,
	`instance_id` text,
	`model` text,
	`input_tokens` integer,
	`output_tokens` integer,
	`seconds` integer,
	`note` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_id` ON `ledger` (`id`);--> statement-breakpoint
CREATE INDEX `ledger_kind_at` ON `ledger` (`kind`,`at`);--> statement-breakpoint
CREATE INDEX `ledger_principal` ON `ledger` (`principal_id`,`at`);--> statement-breakpoint
CREATE INDEX `ledger_project` ON `ledger` (`project_id`,`at`);--> statement-breakpoint
CREATE INDEX `ledger_task` ON `ledger` (`task_id`);--> statement-breakpoint
CREATE INDEX `ledger_run` ON `ledger` (`run_id`);