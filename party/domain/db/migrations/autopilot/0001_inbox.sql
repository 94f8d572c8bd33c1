CREATE TABLE `inbox_follows` (
	`principal_id` text NOT NULL,
	`thread_id` text NOT NULL,
	`following` integer NOT NULL,
	`at` integer NOT NULL,
	`wrote_at` integer,
	PRIMARY KEY(`principal_id`, `thread_id`)
);
--> statement-breakpoint
CREATE INDEX `inbox_follows_thread` ON `inbox_follows` (`thread_id`,`following`);--> statement-breakpoint
CREATE TABLE `inbox_mailed` (
	`principal_id` text NOT NULL,
	`item_key` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `item_key`)
);
--> statement-breakpoint
CREATE TABLE `inbox_mentions` (
	`principal_id` text NOT NULL,
	`message_id` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `inbox_mentions_at` ON `inbox_mentions` (`principal_id`,`at`);--> statement-breakpoint
CREATE TABLE `inbox_people` (
	`principal_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`origin` text NOT NULL,
	`seen_at` integer NOT NULL,
	`preferences` text
);
--> statement-breakpoint
CREATE TABLE `inbox_reads` (
	`principal_id` text NOT NULL,
	`item_key` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `item_key`)
);
