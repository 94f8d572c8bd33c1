CREATE TABLE `skill_requests` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`skill_key` text NOT NULL,
	`files` text,
	`force` integer DEFAULT false NOT NULL,
	`change` text,
	`created_at` integer NOT NULL
);
