CREATE TABLE `inbox_push_subscriptions` (
	`principal_id` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `endpoint`)
);
--> statement-breakpoint
CREATE TABLE `inbox_pushed` (
	`principal_id` text NOT NULL,
	`item_key` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `item_key`)
);
