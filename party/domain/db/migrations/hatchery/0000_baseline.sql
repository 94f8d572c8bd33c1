CREATE TABLE `domain_nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `graph_idempotency` (
	`principal_id` text NOT NULL,
	`key` text NOT NULL,
	`result` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `room_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ydoc_snapshot` (
	`chunk` integer PRIMARY KEY NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ydoc_updates` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`data` blob NOT NULL
);
