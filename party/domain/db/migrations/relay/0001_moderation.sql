CREATE TABLE `banned_pubkeys` (
	`pubkey` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hidden_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `watchers` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL
);
