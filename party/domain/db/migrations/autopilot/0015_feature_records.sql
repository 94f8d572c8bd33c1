CREATE TABLE `feature_records` (
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`doc` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `key`)
);
