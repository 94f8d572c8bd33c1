CREATE TABLE `inbox_sent` (
	`principal_id` text PRIMARY KEY NOT NULL,
	`digest` text NOT NULL,
	`sockets` text NOT NULL,
	`at` integer NOT NULL
);
