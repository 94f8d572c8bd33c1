CREATE TABLE `community_mentions` (
	`principal_id` text NOT NULL,
	`event_id` text NOT NULL,
	`at` integer NOT NULL,
	`author` text NOT NULL,
	`author_id` text,
	`text` text NOT NULL,
	PRIMARY KEY(`principal_id`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `community_mentions_at` ON `community_mentions` (`principal_id`,`at`);