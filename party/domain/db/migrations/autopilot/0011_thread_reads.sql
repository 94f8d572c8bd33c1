CREATE TABLE `thread_reads` (
	`principal_id` text NOT NULL,
	`thread_id` text NOT NULL,
	`through_n` integer NOT NULL,
	`count` integer NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `thread_id`)
);
--> statement-breakpoint
CREATE INDEX `thread_reads_at` ON `thread_reads` (`principal_id`,`at`);