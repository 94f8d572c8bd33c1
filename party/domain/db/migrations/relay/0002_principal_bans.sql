CREATE TABLE `banned_principals` (
	`principal_id` text PRIMARY KEY NOT NULL,
	`pubkey` text NOT NULL,
	`at` integer NOT NULL,
	`by` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `banned_pubkeys` ADD `principal_id` text;--> statement-breakpoint
CREATE INDEX `banned_pubkeys_principal` ON `banned_pubkeys` (`principal_id`);