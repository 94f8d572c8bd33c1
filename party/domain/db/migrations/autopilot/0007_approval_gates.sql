CREATE TABLE `approval_gates` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`filer_id` text NOT NULL,
	`method` text NOT NULL,
	`args_digest` text NOT NULL,
	`call_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approval_gates_call` ON `approval_gates` (`filer_id`,`call_id`);