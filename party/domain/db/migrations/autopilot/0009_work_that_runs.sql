CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`archived` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `projects_updated` ON `projects` (`archived`,`updated_at`);--> statement-breakpoint
CREATE TABLE `run_log` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`doc` text NOT NULL,
	PRIMARY KEY(`run_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `run_log_at` ON `run_log` (`at`);--> statement-breakpoint
CREATE TABLE `schedule_firings` (
	`schedule_id` text NOT NULL,
	`occurrence_at` integer NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL,
	`doc` text NOT NULL,
	PRIMARY KEY(`schedule_id`, `occurrence_at`)
);
--> statement-breakpoint
CREATE INDEX `schedule_firings_status` ON `schedule_firings` (`status`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`next_run_at` integer,
	`created_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `schedules_next` ON `schedules` (`status`,`next_run_at`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`project_id` text,
	`thread_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tasks_status` ON `tasks` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `tasks_project` ON `tasks` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_thread` ON `tasks` (`thread_id`);