CREATE TABLE `approval_reach` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`risk` text NOT NULL,
	`thread_id` text,
	`filed_at` integer NOT NULL,
	`first_told_at` integer,
	`step` integer DEFAULT 0 NOT NULL,
	`next_at` integer,
	`nobody_at` integer,
	`ever_nobody` integer DEFAULT 0 NOT NULL,
	`last_reminded_at` integer,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `approval_reach_next` ON `approval_reach` (`status`,`next_at`);--> statement-breakpoint
CREATE INDEX `approval_reach_filed` ON `approval_reach` (`filed_at`);--> statement-breakpoint
CREATE TABLE `approval_reach_people` (
	`approval_id` text NOT NULL,
	`principal_id` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`surfaces` text NOT NULL,
	`added_at_step` integer NOT NULL,
	`first_told_at` integer,
	`last_told_at` integer,
	PRIMARY KEY(`approval_id`, `principal_id`)
);
