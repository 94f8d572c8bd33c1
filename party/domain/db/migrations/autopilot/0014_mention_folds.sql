ALTER TABLE `community_mentions` ADD `author_key` text;--> statement-breakpoint
ALTER TABLE `community_mentions` ADD `first_at` integer;--> statement-breakpoint
ALTER TABLE `community_mentions` ADD `count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `community_mentions` ADD `last_event_id` text;--> statement-breakpoint
ALTER TABLE `inbox_mentions` ADD `author_id` text;--> statement-breakpoint
ALTER TABLE `inbox_mentions` ADD `first_at` integer;--> statement-breakpoint
ALTER TABLE `inbox_mentions` ADD `count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `inbox_mentions` ADD `last_message_id` text;