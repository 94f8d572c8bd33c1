CREATE TABLE `event_tags` (
	`event_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`kind` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`event_id`, `name`, `value`)
);
--> statement-breakpoint
CREATE INDEX `event_tags_value_time` ON `event_tags` (`name`,`value`,`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`pubkey` text NOT NULL,
	`kind` integer NOT NULL,
	`created_at` integer NOT NULL,
	`address` text,
	`json` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_author_kind_time` ON `events` (`pubkey`,`kind`,`created_at`);--> statement-breakpoint
CREATE INDEX `events_kind_time` ON `events` (`kind`,`created_at`);--> statement-breakpoint
CREATE INDEX `events_time` ON `events` (`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_address` ON `events` (`address`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`connection` text NOT NULL,
	`sub_id` text NOT NULL,
	`filters` text NOT NULL,
	PRIMARY KEY(`connection`, `sub_id`)
);
