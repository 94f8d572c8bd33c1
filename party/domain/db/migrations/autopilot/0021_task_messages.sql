CREATE TABLE `task_messages` (
	`task_id` text NOT NULL,
	`seq` integer NOT NULL,
	`message` text NOT NULL,
	PRIMARY KEY(`task_id`, `seq`)
);
