CREATE TABLE `channel_requests` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`channel` text NOT NULL,
	`account_id` text NOT NULL,
	`secret` text,
	`access` text,
	`created_at` integer NOT NULL
);
