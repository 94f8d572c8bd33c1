CREATE TABLE `trace_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `trace_queue` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `trace_runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`trace_id` text NOT NULL,
	`span_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`status` text NOT NULL,
	`seq` integer NOT NULL,
	`ledger_n` integer NOT NULL,
	`chat_span_id` text,
	`last_at` integer NOT NULL,
	`credits` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `trace_runs_status` ON `trace_runs` (`status`);